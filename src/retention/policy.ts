import type { Config } from '../config/config.js';

/**
 * How long each kind of patient data is kept at rest: the one place that reads the retention
 * settings (issue 6, item 9). Each kind has one setting; the purge job (`purge-job.ts`) applies
 * all of them.
 *
 * | data                                   | kept                                   | then                                  |
 * |----------------------------------------|----------------------------------------|---------------------------------------|
 * | import rows' records (names, e-mails…) | `importRowsDays` after the run ended   | record emptied; outcome/report stay   |
 * | document bytes                         | `documentBytesHours` after delivery    | deleted; status/tracking stay         |
 * | message preview with identifiers       | `messagePreviewDays` after delivery    | reduced to its identifier-free form   |
 * | tracking (statuses, attempts)          | `trackingMonths` after the request     | tombstone answering 410               |
 * | inbound messages (src/messages/)       | 30 days processed/ignored, 90 failed/rejected (EHR_BRIDGE_MESSAGES_*RETENTION_DAYS) | deleted with their trace |
 */
export interface RetentionPolicy {
  importRowsDays: number;
  documentBytesHours: number;
  messagePreviewDays: number;
  trackingMonths: number;
  purgeIntervalMinutes: number;
}

export function retentionPolicy(config: Pick<Config, 'retention' | 'ehr'>): RetentionPolicy {
  return {
    importRowsDays: config.retention.importRowsDays,
    // Older settings, kept under their names (and environment variables) for compatibility.
    documentBytesHours: config.ehr.documentRetentionHours,
    trackingMonths: config.ehr.trackingRetentionMonths,
    messagePreviewDays: config.retention.messagePreviewDays,
    purgeIntervalMinutes: config.retention.purgeIntervalMinutes,
  };
}

export const DAY_MS = 24 * 3600_000;
