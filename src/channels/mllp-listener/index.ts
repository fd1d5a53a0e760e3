export { MllpListener, MllpPortInUseError, OVERSIZE_HEAD_BYTES, type MllpListenerDeps, type MllpListenerStats } from './listener.js';
export { toIncoming } from './to-incoming.js';
export { readArrival, type Arrival, type ArrivalOptions } from './arrival.js';
