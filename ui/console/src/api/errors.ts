// The service answers every error with a stable `code` and an English `message` for logs
// (docs/openapi.json, ErrorBody). The console shows only Chinese: the text of the code, never
// the message.

/** Codes of failures that happen before the service answers, or that it answers unreadably. */
export const NETWORK = 'network';
export const BAD_RESPONSE = 'bad_response';

const TEXT: Record<string, string> = {
  wrong_password: '用户名或密码错误。',
  user_disabled: '该账号已停用，请联系系统管理员。',
  unauthenticated: '请先登录。',
  bad_credential: '登录状态无效，请重新登录。',
  credential_expired: '登录已过期，请重新登录。',
  device_revoked: '本次登录已被注销，请重新登录。',
  forbidden: '当前账号没有权限进行此操作。',
  not_found: '没有找到要查看的内容。',
  exists: '该内容已存在。',
  invalid_username: '用户名不符合要求。',
  weak_password: '密码强度不足。',
  invalid_scope: '负责范围（区划代码）不正确。',
  invalid_resolution: '裁定无效：冲突已变化，请刷新后重试。',
  malformed_json: '请求内容有误，请刷新页面后重试。',
  malformed_query: '请求内容有误，请刷新页面后重试。',
  malformed_path: '请求内容有误，请刷新页面后重试。',
  body_too_large: '提交的内容过大。',
  internal: '同步服务内部错误，请稍后重试或联系系统管理员。',
  [NETWORK]: '无法连接同步服务，请检查网络后重试。',
  [BAD_RESPONSE]: '同步服务暂时不可用，请稍后重试。',
};

/** How long to wait, in Chinese: whole minutes, or seconds under a minute. */
export function waitText(ms: number): string {
  if (ms < 60_000) return `${Math.max(1, Math.ceil(ms / 1000))} 秒`;
  return `${Math.ceil(ms / 60_000)} 分钟`;
}

/** The Chinese text shown for an error code (with the wait the service asked for, if any). */
export function errorText(code: string, retryAfterMs?: number | null): string {
  if (code === 'too_many_attempts') {
    return retryAfterMs && retryAfterMs > 0
      ? `登录失败次数过多，请 ${waitText(retryAfterMs)}后再试。`
      : '登录失败次数过多，请稍后再试。';
  }
  return TEXT[code] ?? `操作未成功（错误代码 ${code}），请稍后重试或联系系统管理员。`;
}
