import { z } from 'zod';

/** Choices made when an import is created (wizard step 1 and 3, CLI flags). */
export const runOptionsSchema = z.object({
  /** When a record already exists and a mapped field changed: update it (true) or leave it (false). */
  updateExisting: z.boolean().default(false),
  defaults: z
    .object({
      division: z.string().max(500).optional(),
      provider: z.string().max(500).optional(),
    })
    .default({}),
  /**
   * A record found in another division (clinic) of the platform: move it into this run's
   * division (true), or leave it where it is, report it and create nothing for it (false).
   * Never a side effect: the preflight shows how many there are before the run.
   */
  moveBetweenDivisions: z.boolean().default(false),
  /** Before sending, list the platform's existing records carrying an EMR id (finds them even without local history). */
  scanExisting: z.boolean().default(true),
  dryRun: z.boolean().default(false),
  /** Roster custom field (id) that holds the EMR id for this run; default ONCALL_EMR_ID_FIELD. Custom fields are per division. */
  emrIdField: z.string().trim().min(1).max(100).optional(),
});
export type RunOptions = z.infer<typeof runOptionsSchema>;
