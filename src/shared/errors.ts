// The closed set of business failure codes, named after the rule that was broken. Use cases
// check in a fixed order (input shape → existence → idempotency → state → funds) and return the
// first failure; they never throw for expected failures.

export const ErrorCode = {
  // input shape
  INVALID_SECONDS: 'INVALID_SECONDS',
  INVALID_IDEMPOTENCY_KEY: 'INVALID_IDEMPOTENCY_KEY',
  INVALID_TTL: 'INVALID_TTL',
  INVALID_EXPIRY: 'INVALID_EXPIRY',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  INVALID_EMAIL: 'INVALID_EMAIL',
  INVALID_PERIOD: 'INVALID_PERIOD',
  // existence
  USER_NOT_FOUND: 'USER_NOT_FOUND',
  PLAN_NOT_FOUND: 'PLAN_NOT_FOUND',
  MEMBERSHIP_NOT_FOUND: 'MEMBERSHIP_NOT_FOUND',
  RESERVATION_NOT_FOUND: 'RESERVATION_NOT_FOUND',
  TRANSACTION_NOT_FOUND: 'TRANSACTION_NOT_FOUND',
  PERIOD_NOT_FOUND: 'PERIOD_NOT_FOUND',
  EMAIL_TAKEN: 'EMAIL_TAKEN',
  API_KEY_NOT_FOUND: 'API_KEY_NOT_FOUND',
  STRIPE_NOT_CONFIGURED: 'STRIPE_NOT_CONFIGURED',
  WEBHOOK_EVENT_NOT_FOUND: 'WEBHOOK_EVENT_NOT_FOUND',
  // idempotency
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  // state
  RESERVATION_NOT_ACTIVE: 'RESERVATION_NOT_ACTIVE',
  RESERVATION_EXPIRED: 'RESERVATION_EXPIRED',
  TOO_MANY_RESERVATIONS: 'TOO_MANY_RESERVATIONS',
  NOT_REFUNDABLE: 'NOT_REFUNDABLE',
  REFUND_EXCEEDS_USAGE: 'REFUND_EXCEEDS_USAGE',
  PERIOD_NOT_ENDED: 'PERIOD_NOT_ENDED',
  API_ACCESS_NOT_IN_PLAN: 'API_ACCESS_NOT_IN_PLAN',
  ACCOUNT_ERASED: 'ACCOUNT_ERASED',
  ERASURE_NOT_REQUESTED: 'ERASURE_NOT_REQUESTED',
  MEMBERSHIP_NOT_ACTIVE: 'MEMBERSHIP_NOT_ACTIVE',
  SAME_PLAN: 'SAME_PLAN',
  ALREADY_SUBSCRIBED: 'ALREADY_SUBSCRIBED',
  // funds
  INSUFFICIENT_CREDITS: 'INSUFFICIENT_CREDITS',
  OVERAGE_LIMIT_REACHED: 'OVERAGE_LIMIT_REACHED',
  BALANCE_LIMIT_EXCEEDED: 'BALANCE_LIMIT_EXCEEDED',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ERROR_CODES = Object.values(ErrorCode) as ErrorCode[];

const MESSAGES: Record<ErrorCode, string> = {
  INVALID_SECONDS: 'Seconds must be a positive whole number within the allowed range.',
  INVALID_IDEMPOTENCY_KEY: 'The idempotency key must be 1–128 printable ASCII characters and not start with "~".',
  INVALID_TTL: 'The hold TTL must be a whole number of seconds within the allowed range.',
  INVALID_EXPIRY: 'The expiry must lie in the future.',
  INVALID_ARGUMENT: 'An argument is malformed.',
  INVALID_EMAIL: 'The email address is not valid.',
  INVALID_PERIOD: 'The period is not valid.',
  USER_NOT_FOUND: 'No such user.',
  PLAN_NOT_FOUND: 'No such plan.',
  MEMBERSHIP_NOT_FOUND: 'The user has no membership.',
  RESERVATION_NOT_FOUND: 'No such reservation.',
  TRANSACTION_NOT_FOUND: 'No such transaction.',
  PERIOD_NOT_FOUND: 'No such period.',
  EMAIL_TAKEN: 'A user with this email address exists already.',
  API_KEY_NOT_FOUND: 'No such API key.',
  STRIPE_NOT_CONFIGURED: 'Payments are not configured on this installation.',
  WEBHOOK_EVENT_NOT_FOUND: 'No such stored Stripe event.',
  API_ACCESS_NOT_IN_PLAN: 'API keys need a plan with API access (Enterprise).',
  ACCOUNT_ERASED: 'The account was erased; its personal data is gone.',
  ERASURE_NOT_REQUESTED: 'No deletion of this account was requested.',
  IDEMPOTENCY_KEY_REUSED: 'This idempotency key was used before with other parameters.',
  RESERVATION_NOT_ACTIVE: 'The reservation is no longer active.',
  RESERVATION_EXPIRED: 'The reservation expired.',
  TOO_MANY_RESERVATIONS: 'The user has too many active reservations.',
  NOT_REFUNDABLE: 'Only usage transactions can be refunded.',
  REFUND_EXCEEDS_USAGE: 'The refund is larger than what is left to refund of that usage.',
  PERIOD_NOT_ENDED: 'The period has not ended yet.',
  MEMBERSHIP_NOT_ACTIVE: 'The membership is not active (payment due, cancelled, or ending at the period end).',
  SAME_PLAN: 'The membership is on this plan already and no change is scheduled.',
  ALREADY_SUBSCRIBED: 'The user has a live membership (incomplete, trialing, active or past due): change its plan with changePlan instead.',
  INSUFFICIENT_CREDITS: 'Not enough credits for this operation.',
  OVERAGE_LIMIT_REACHED: 'This would pass the overage limit of the current period.',
  BALANCE_LIMIT_EXCEEDED: 'This would take the balance past the largest balance an account may hold (2,147,483,647 seconds).',
};

export interface UserError {
  code: ErrorCode;
  /** The input field at fault, when there is one. */
  field?: string;
  message: string;
  /** Machine-readable context, e.g. roomSeconds. */
  details?: Record<string, unknown>;
}

export type Failure = { ok: false; error: UserError };
export type Result<T> = { ok: true; value: T } | Failure;

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail(code: ErrorCode, field?: string, details?: Record<string, unknown>): Failure {
  return { ok: false, error: { code, field, message: MESSAGES[code], details } };
}

export function isErrorCode(v: string): v is ErrorCode {
  return (ERROR_CODES as string[]).includes(v);
}
