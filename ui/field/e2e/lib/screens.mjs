// What a screen of the field app must never show a cadre: the internal name of a field or a
// table (a snake_case identifier such as `wage_fen` or `income_year`), a 12-digit area code
// where the area has a name (every demo area has one), the policy's old internal name
// (种子方案), or a value the UI failed to format.

/** The internal names and codes in `text`, each described; empty when there are none. */
export function internalNames(text) {
  const found = [];
  for (const m of text.matchAll(/\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b/g)) found.push(`internal name "${m[0]}"`);
  for (const m of text.matchAll(/(?<!\d)\d{12}(?!\d)/g)) found.push(`12-digit area code ${m[0]}`);
  if (text.includes('种子方案')) found.push('种子方案');
  for (const m of text.matchAll(/\bundefined\b|\bNaN\b|\[object Object\]|\bnull\b/g)) found.push(`unformatted value "${m[0]}"`);
  return found;
}

/** The visible text of the whole window (popups and dialogs included). */
export function visibleText(session) {
  return session.exec('return document.body.innerText');
}
