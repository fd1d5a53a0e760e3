export { MessageStore, contentHash, dbNowIso, MAX_PAGE, type MessageStoreOptions } from './message-store.js';
export { GroupCommit, type GroupCommitOptions } from './group-commit.js';
export { purgeMessages } from './retention.js';
export { messageRetention, mllpListenerSettings, MessageSettingsError, type MessageRetention, type MllpListenerSettings } from './settings.js';
export * from './types.js';
