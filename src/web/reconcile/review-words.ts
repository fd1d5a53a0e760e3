import type { MatchReview, ReviewCandidate, ReviewDecisionName } from './review-api.js';

/** The matching fields as the engine names them (EHR_BRIDGE_SYNC_MATCH), in the page's words. */
const MATCH_FIELD_WORDS: Record<string, string> = {
  family: 'last name',
  given: 'first name',
  birthDate: 'date of birth',
  gender: 'sex',
  email: 'e-mail',
  phone: 'phone',
};

/** What the OnCall record is, in words: a contact, or a participant of an appointment without a contact. */
export function reviewSubject(r: MatchReview): string {
  return /\/contacts\//.test(r.platformUrl) ? 'An OnCall contact' : 'A participant of an OnCall appointment';
}

/** The reason with the engine's field names in words ("same name and birth date, different e-mail"). */
export function reasonWords(reason: string): string {
  return reason.replace(/\b(family|given|birthDate|gender|email|phone)\b/g, (f) => MATCH_FIELD_WORDS[f] ?? f);
}

/** The review's headline: "An OnCall contact may be an EMR patient already: same name and birth date, different e-mail". */
export function reviewHeadline(r: MatchReview): string {
  const several = r.candidates.length > 1;
  return `${reviewSubject(r)} may be ${several ? 'one of these EMR patients' : 'an EMR patient'} already: ${reasonWords(r.reason)}.`;
}

/** "contact 123" from the OnCall object URL, as the findings list says it. */
export function recordLabel(r: MatchReview): string {
  const m = /\/(contacts|participants|appointments)\/([^/?#]+)\/?$/.exec(r.platformUrl);
  if (!m) return 'OnCall record';
  const word = m[1] === 'contacts' ? 'contact' : m[1] === 'appointments' ? 'appointment' : 'participant';
  return `OnCall ${word} ${m[2]}`;
}

/** A candidate as the admin sees it: name and birth date when the EMR could be read. */
export function candidateWords(c: ReviewCandidate): string {
  if (c.found === false) return `EMR patient ${c.emrId} (no longer in the EMR)`;
  const who = [c.name, c.birthDate ? `born ${c.birthDate}` : null].filter(Boolean).join(', ');
  return who ? `${who} (EMR patient ${c.emrId})` : `EMR patient ${c.emrId}`;
}

/** What happened, for the note after a decision. */
export function decisionDoneWords(r: MatchReview, decision: ReviewDecisionName, emrId?: string): string {
  const what = recordLabel(r);
  if (decision === 'link') return `${what} is now linked to EMR patient ${emrId ?? ''}; its changes go to that patient.`;
  if (decision === 'create') return `A new EMR patient is being created for ${what}.`;
  return `${what} is left out of the EMR; nothing was written.`;
}
