// The sign-in form against a mocked service: the credential is kept for the session and sent as
// a bearer token; errors show the Chinese text of the service's code, never its English message.
import { flushPromises, mount } from '@vue/test-utils';
import ElementPlus from 'element-plus';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import { api, ApiError } from '../src/api/client';
import { errorText } from '../src/api/errors';
import { CREDENTIAL_KEY, endSession, session, startSession } from '../src/api/session';
import SignInView from '../src/views/SignInView.vue';

const USER = {
  id: '0190a4e2-0000-7000-8000-000000000001',
  username: 'zhen',
  display_name: '镇扶贫办',
  role: 'township_supervisor',
  scope: { areas: ['530325101'] },
  disabled: false,
};

function answer(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

async function mountForm() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/login', name: 'login', component: SignInView },
      { path: '/', name: 'home', component: { template: '<p>home</p>' } },
      { path: '/ledger', name: 'ledger', component: { template: '<p>ledger</p>' } },
    ],
  });
  await router.push('/login?redirect=/ledger');
  await router.isReady();
  const wrapper = mount(SignInView, { global: { plugins: [ElementPlus, router] }, attachTo: document.body });
  return { wrapper, router };
}

async function signIn(wrapper: Awaited<ReturnType<typeof mountForm>>['wrapper'], username: string, password: string) {
  await wrapper.find('#login-username').setValue(username);
  await wrapper.find('#login-password').setValue(password);
  await wrapper.find('form').trigger('submit');
  // The form's validation and the call settle over a few ticks.
  for (let i = 0; i < 5; i++) await flushPromises();
}

let fetchMock: ReturnType<typeof vi.fn>;
beforeEach(() => {
  sessionStorage.clear();
  endSession();
  fetchMock = vi.fn();
  vi.stubGlobal('fetch', fetchMock);
});
afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

describe('sign-in form', () => {
  it('posts the user name and password, keeps the credential in sessionStorage, and goes on', async () => {
    fetchMock.mockResolvedValueOnce(
      answer(200, { credential: 'c-123', expires_ms: Date.now() + 3_600_000, device_id: USER.id, user: USER }),
    );
    const { wrapper, router } = await mountForm();
    await signIn(wrapper, ' zhen ', 'fangpin-demo');

    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe('/api/v1/login');
    expect(init.method).toBe('POST');
    expect(JSON.parse(String(init.body))).toEqual({ username: 'zhen', password: 'fangpin-demo' });
    expect((init.headers as Record<string, string>).Authorization).toBeUndefined();

    expect(sessionStorage.getItem(CREDENTIAL_KEY)).toBe('c-123');
    expect(session.current?.user?.display_name).toBe('镇扶贫办');
    expect(router.currentRoute.value.fullPath).toBe('/ledger');
    expect(wrapper.find('[data-testid="login-error"]').exists()).toBe(false);

    // Later calls carry the credential.
    fetchMock.mockResolvedValueOnce(answer(200, { user: USER, device: {} }));
    await api.me();
    const [, meInit] = fetchMock.mock.calls[1] as [string, RequestInit];
    expect((meInit.headers as Record<string, string>).Authorization).toBe('Bearer c-123');
  });

  it('shows a wrong password in Chinese, not the English message, and keeps no credential', async () => {
    fetchMock.mockResolvedValueOnce(answer(401, { code: 'wrong_password', message: 'wrong user name or password' }));
    const { wrapper, router } = await mountForm();
    await signIn(wrapper, 'zhen', 'nope');

    const error = wrapper.find('[data-testid="login-error"]');
    expect(error.exists()).toBe(true);
    expect(error.text()).toContain('用户名或密码错误');
    expect(wrapper.text()).not.toContain('wrong user name or password');
    expect(sessionStorage.getItem(CREDENTIAL_KEY)).toBeNull();
    expect(router.currentRoute.value.name).toBe('login');
  });

  it('maps each sign-in refusal and failure to Chinese', async () => {
    const cases: [() => Promise<Response>, RegExp][] = [
      [async () => answer(429, { code: 'too_many_attempts', message: 'too many failed sign-ins', retry_after_ms: 300_000 }), /登录失败次数过多，请 5 分钟后再试/],
      [async () => answer(403, { code: 'user_disabled', message: 'zhen is disabled' }), /该账号已停用/],
      [async () => answer(500, { code: 'internal', message: 'database error' }), /同步服务内部错误/],
      [async () => answer(400, { code: 'something_new', message: 'english' }), /错误代码 something_new/],
      [async () => new Response('<html>Bad Gateway</html>', { status: 502 }), /同步服务暂时不可用/],
      [async () => Promise.reject(new TypeError('Failed to fetch')), /无法连接同步服务/],
    ];
    for (const [reply, text] of cases) {
      fetchMock.mockImplementationOnce(reply);
      const { wrapper } = await mountForm();
      await signIn(wrapper, 'zhen', 'x');
      const shown = wrapper.find('[data-testid="login-error"]').text();
      expect(shown).toMatch(text);
      expect(shown).not.toMatch(/[A-Za-z]{4,} [a-z]+/); // no English sentence
      expect(sessionStorage.getItem(CREDENTIAL_KEY)).toBeNull();
      wrapper.unmount();
    }
  });

  it('asks for both fields before calling the service', async () => {
    const { wrapper } = await mountForm();
    await signIn(wrapper, '', '');
    expect(fetchMock).not.toHaveBeenCalled();
    // Element Plus shows a field's message a moment after the check.
    await vi.waitFor(() => expect(wrapper.find('.el-form-item__error').text()).toBe('请输入用户名'));
  });
});

describe('a signed-in call answered 401', () => {
  it('forgets the credential and reports the code', async () => {
    startSession({ credential: 'old', expires_ms: Date.now() + 60_000, user: USER as never });
    fetchMock.mockResolvedValueOnce(answer(401, { code: 'credential_expired', message: 'credential expired' }));
    const err = await api.me().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).text).toBe(errorText('credential_expired'));
    expect(sessionStorage.getItem(CREDENTIAL_KEY)).toBeNull();
    expect(session.current).toBeNull();
  });
});
