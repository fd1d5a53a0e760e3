import type { Config } from '../../config/config.js';
import type { Logger } from '../../logging/logger.js';
import type { JobQueue } from '../../queue/queue.js';
import type { Store } from '../../store/db.js';
import { PartnerNotConfiguredError } from '../../partners/not-configured.js';
import { EmrClient } from './emr-client.js';
import { SendToEhrService } from './service.js';

/**
 * The service with its EMR connection: the configured FHIR R4 server, or else the sandbox FHIR
 * EMR of the embedded run (`<engine>/sandbox/fhir-emr`, known once the server listens).
 */
export function createSendToEhr(deps: { store: Store; queue: JobQueue; config: Config; logger: Logger; engineUrl: () => string | undefined }): SendToEhrService {
  let emr: EmrClient | undefined;
  const emrClient = (): EmrClient => {
    if (emr) return emr;
    const { emr: cfg } = deps.config;
    const engine = deps.engineUrl();
    if (!cfg.fhirUrl && !engine) throw new PartnerNotConfiguredError('emr', 'The EMR is not configured: set EHR_BRIDGE_EMR_FHIR_URL (and EHR_BRIDGE_EMR_FHIR_TOKEN if it needs one)');
    emr = new EmrClient({
      baseUrl: cfg.fhirUrl ?? `${engine}/sandbox/fhir-emr`,
      bearerToken: cfg.bearerToken,
      timeoutMs: cfg.timeoutMs,
      logger: deps.logger,
    });
    return emr;
  };
  return new SendToEhrService({
    store: deps.store,
    queue: deps.queue,
    config: deps.config,
    logger: deps.logger,
    emr: emrClient,
    onClose: async () => {
      await emr?.close();
    },
  });
}

export type { SendToEhrService };
