/** EHR receiver sandbox: MLLP listener, drop-folder scanner and HTTP JSON endpoint. */
export { ehrSandbox, getEhrSandboxInfo, type EhrSandboxInfo, type EhrSandboxOptions } from './plugin.js';
export { EhrSandboxStore, SANDBOX_ACK_MODES, type ReceivedItem, type SandboxAckMode, type SandboxTransport } from './store.js';
export { receiveHl7, elideHl7 } from './receive-hl7.js';
export { receiveJsonDocument } from './receive-json.js';
export { DropScanner } from './drop-scanner.js';
