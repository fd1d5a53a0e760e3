/** Documents to hospital EHRs: accept, deliver (job), track, retention, documents page data. */
export { SendToEhrService, DELIVER_JOB, RETENTION_JOB, type SendToEhrDeps, type AcceptResult, type TrackingResult, type DeliveryView, type DocumentFilter } from './service.js';
export { EmrClient, type EmrClientOptions, type EmrType } from './emr-client.js';
export { DocumentRejectedError, type RejectionKind } from './errors.js';
export { selectRoute, routeByName, type SelectedRoute } from './route-select.js';
export { resolveTransport, describeTransport, RouteConfigError, type SandboxReceiver } from './transport-config.js';
export { defaultDocumentTitle } from './default-title.js';
export { elideBase64, messagePreview } from './message-preview.js';
export { DELIVERY_STATUSES, TERMINAL_STATUSES, ATTEMPT_OUTCOMES, type DeliveryStatus, type SendToEhrRequest, type RequestingClient } from './types.js';
