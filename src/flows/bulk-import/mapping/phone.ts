/**
 * Phone normalisation for roster contacts. Not a full numbering-plan library (libphonenumber
 * is ~500 KB in the browser bundle): it turns what EMR exports hold into E.164 when the
 * country is known, and leaves validation to a digit-count check (E.164: at most 15 digits).
 * https://www.itu.int/rec/T-REC-E.164
 */

/** Country calling codes and whether the national trunk prefix `0` is dropped. */
const COUNTRIES = {
  CA: { code: '1', trunk: '1' }, US: { code: '1', trunk: '1' },
  GB: { code: '44', trunk: '0' }, IE: { code: '353', trunk: '0' }, FR: { code: '33', trunk: '0' },
  DE: { code: '49', trunk: '0' }, BE: { code: '32', trunk: '0' }, NL: { code: '31', trunk: '0' },
  CH: { code: '41', trunk: '0' }, AT: { code: '43', trunk: '0' }, ES: { code: '34', trunk: '' },
  PT: { code: '351', trunk: '' }, IT: { code: '39', trunk: '' }, AU: { code: '61', trunk: '0' },
  NZ: { code: '64', trunk: '0' }, LU: { code: '352', trunk: '' }, SE: { code: '46', trunk: '0' },
  NO: { code: '47', trunk: '' }, DK: { code: '45', trunk: '' }, FI: { code: '358', trunk: '0' },
  MX: { code: '52', trunk: '' }, IN: { code: '91', trunk: '0' }, ZA: { code: '27', trunk: '0' },
} as const satisfies Record<string, { code: string; trunk: string }>;

export type PhoneCountry = keyof typeof COUNTRIES;
export const PHONE_COUNTRIES = Object.keys(COUNTRIES) as PhoneCountry[];

export function isPhoneCountry(value: string): value is PhoneCountry {
  return Object.hasOwn(COUNTRIES, value);
}

/** Cuts `x123`, `ext. 12`, `poste 4` extensions: OnCall has no extension field. */
const RE_EXTENSION = /\s*(?:x|ext\.?|extension|poste|#)\s*\d+\s*$/i;
const RE_HAS_LETTER_OR_HASH = /[a-z#]/i;
const RE_NON_DIGITS = /\D+/g;

/**
 * Normalises a phone number. With `defaultCountry`: E.164 (`+441234567890`). Without: the
 * digits, keeping a leading `+` (or an international `00` prefix turned into `+`).
 * Returns '' when there are no digits at all (validation then reports it).
 */
export function normalisePhone(value: string, defaultCountry?: PhoneCountry): string {
  const main = RE_HAS_LETTER_OR_HASH.test(value) ? value.replace(RE_EXTENSION, '') : value;
  const digitsOnly = main.replace(RE_NON_DIGITS, '');
  if (digitsOnly === '') return '';
  const trimmed = main.trimStart();
  const international = trimmed.startsWith('+');
  if (international) return `+${digitsOnly}`;
  if (digitsOnly.startsWith('00')) return `+${digitsOnly.slice(2)}`;
  if (!defaultCountry) return digitsOnly;
  const { code, trunk } = COUNTRIES[defaultCountry];
  if (code === '1') {
    // NANP: 10 digits national, or 11 starting with the trunk/country 1.
    if (digitsOnly.length === 11 && digitsOnly.startsWith('1')) return `+${digitsOnly}`;
    return `+1${digitsOnly}`;
  }
  let national = digitsOnly;
  if (trunk !== '' && national.startsWith(trunk)) national = national.slice(trunk.length);
  return `+${code}${national}`;
}

/** Counts ASCII digits. */
export function countDigits(value: string): number {
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}
