/**
 * Django REST framework error shapes and wording (partner-apis.md "Assumed": errors are
 * Django-REST style). Validation errors map a field to a list of messages, or for nested
 * objects to a nested map / a list aligned with the submitted items. Messages never repeat the
 * submitted value: request bodies carry patient data.
 */

export type FieldErrorValue = string[] | FieldErrors | FieldErrors[];
export interface FieldErrors {
  [field: string]: FieldErrorValue;
}

export interface DetailBody {
  detail: string;
}

/** The DRF message catalogue used by the emulator, in DRF's words where DRF has one. */
export const MSG = {
  required: 'This field is required.',
  null: 'This field may not be null.',
  blank: 'This field may not be blank.',
  string: 'Not a valid string.',
  email: 'Enter a valid email address.',
  maxLength: (n: number) => `Ensure this field has no more than ${n} characters.`,
  choice: 'Select a valid choice.',
  date: 'Date has wrong format. Use one of these formats instead: YYYY-MM-DD.',
  datetime:
    'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].',
  integer: 'A valid integer is required.',
  number: 'A valid number is required.',
  minValue: (n: number) => `Ensure this value is greater than or equal to ${n}.`,
  maxValue: (n: number) => `Ensure this value is less than or equal to ${n}.`,
  boolean: 'Must be a valid boolean.',
  hyperlinkType: 'Incorrect type. Expected URL string.',
  hyperlinkNoMatch: 'Invalid hyperlink - No URL match.',
  hyperlinkWrongMatch: 'Invalid hyperlink - Incorrect URL match.',
  hyperlinkMissing: 'Invalid hyperlink - Object does not exist.',
  notAList: 'Expected a list of items.',
  emptyList: 'This list may not be empty.',
  maxItems: (n: number) => `Ensure this field has no more than ${n} elements.`,
  notADict: 'Expected a dictionary of items.',
  invalidBody: 'Invalid data. Expected a dictionary.',
} as const;

export const DETAIL = {
  notAuthenticated: 'Authentication credentials were not provided.',
  invalidToken: 'Invalid token.',
  tokenHeaderEmpty: 'Invalid token header. No credentials provided.',
  tokenHeaderSpaces: 'Invalid token header. Token string should not contain spaces.',
  notFound: 'Not found.',
  invalidPage: 'Invalid page.',
  unavailable: 'Service temporarily unavailable.',
  serverError: 'A server error occurred.',
  badRequest: 'Malformed request.',
  throttled: (seconds: number) => `Request was throttled. Expected available in ${seconds} second${seconds === 1 ? '' : 's'}.`,
  methodNotAllowed: (method: string) => `Method "${method}" not allowed.`,
  unsupportedMediaType: 'Unsupported media type in request.',
  tooLarge: 'Request body is too large.',
} as const;

/** Collects errors for one object; `ok` tells whether any was added. */
export class ErrorBag {
  readonly errors: FieldErrors = {};
  private any = false;

  add(field: string, message: string): void {
    const current = this.errors[field];
    if (Array.isArray(current) && (current.length === 0 || typeof current[0] === 'string')) {
      (current as string[]).push(message);
    } else {
      this.errors[field] = [message];
    }
    this.any = true;
  }

  set(field: string, value: FieldErrorValue): void {
    this.errors[field] = value;
    this.any = true;
  }

  get ok(): boolean {
    return !this.any;
  }
}
