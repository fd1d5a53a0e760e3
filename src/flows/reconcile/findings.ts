import type { OwnerSide } from './owners.js';

/**
 * What a reconciliation says about each record (issue 9, "Reconciliation"). Values travel to
 * the person (page, CSV) and never to a log.
 */
export type ReconcileType = 'contacts' | 'appointments';
export const RECONCILE_TYPES = ['contacts', 'appointments'] as const satisfies readonly ReconcileType[];

export type FindingKind = 'in-sync' | 'missing-in-oncall' | 'missing-in-emr' | 'different' | 'duplicated';
export const FINDING_KINDS = ['in-sync', 'missing-in-oncall', 'missing-in-emr', 'different', 'duplicated'] as const satisfies readonly FindingKind[];

export interface FieldDifference {
  /** Projection field: family, given, birthDate, gender, email, phone; start, end, status. */
  field: string;
  emr: string | null;
  oncall: string | null;
  owner: OwnerSide;
}

export interface Finding {
  /** Position in the run, from 1 (actions name a finding by it). */
  n: number;
  kind: FindingKind;
  /** The EMR record (FHIR resource id), when there is one. */
  emrId: string | null;
  /** The OnCall record (object URL), when there is one; for `duplicated` the first of `oncallUrls`. */
  oncallUrl: string | null;
  /** `duplicated`: every OnCall record that stands for the EMR id. */
  oncallUrls?: string[];
  /** `different`: field by field. */
  fields?: FieldDifference[];
  /** How the two records were paired: link, identifier (EMR holds the URL), emr-id (OnCall holds the EMR id). */
  joinedBy?: 'link' | 'identifier' | 'emr-id';
  /**
   * `missing-in-emr`: an EMR record also paired with nothing that has the same name and birth
   * date (appointments: the same start and end), offered to the person to link.
   */
  possibleMatch?: string;
  /** A short sentence for the person, no values (e.g. "linked contact no longer in OnCall"). */
  note?: string;
}

export interface ReconcileSummary {
  inSync: number;
  missingInOncall: number;
  missingInEmr: number;
  different: number;
  duplicated: number;
}

export function emptySummary(): ReconcileSummary {
  return { inSync: 0, missingInOncall: 0, missingInEmr: 0, different: 0, duplicated: 0 };
}

export function count(summary: ReconcileSummary, kind: FindingKind): void {
  if (kind === 'in-sync') summary.inSync++;
  else if (kind === 'missing-in-oncall') summary.missingInOncall++;
  else if (kind === 'missing-in-emr') summary.missingInEmr++;
  else if (kind === 'different') summary.different++;
  else summary.duplicated++;
}

/** The one summary line the CLI prints and outside checks read (issue 9, "Interface"). */
export function summaryLine(s: ReconcileSummary): string {
  return `in sync ${s.inSync}, missing in OnCall ${s.missingInOncall}, missing in EMR ${s.missingInEmr}, different ${s.different}, duplicated ${s.duplicated}`;
}

export function hasFindings(s: ReconcileSummary): boolean {
  return s.missingInOncall + s.missingInEmr + s.different + s.duplicated > 0;
}
