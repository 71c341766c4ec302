// The re-check forms being typed, by re-check id, for as long as the app runs: what was typed
// survives closing the form, a refusal, and a visit to the household's screening form
// (修改排查信息) and back. Kept in memory only, never written unencrypted.

import { reactive } from 'vue';
import type { RecheckDraft } from './recheck';

export const recheckDrafts = reactive<Record<string, RecheckDraft>>({});
