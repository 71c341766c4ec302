// Photos and signatures are read as data: URLs; the app stores their bytes (base64).

/** A data: URL's base64 part. */
export function dataUrlBase64(url: string): string {
  return url.slice(url.indexOf(',') + 1);
}
