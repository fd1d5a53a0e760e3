/**
 * The wizard's problem wording. It lives in a pure shared module
 * (src/flows/bulk-import/problem-words.ts) so the run page, its report and the report CSV say
 * the same words as the wizard's check step.
 */
export { explainProblem, fieldLabel, type ExplainedProblem, type ProblemInput } from '../../flows/bulk-import/problem-words.js';
