/**
 * Coded errors, one catalogue per area (as Orama's `createError`): each area lists its stable codes with the
 * sentence a person reads, and its error class is built on CodedError. Tests and the UI match codes, never prose;
 * the message says what happened (the catalogue) and what was wrong where (the detail).
 */

/** An area's catalogue: each stable code and the sentence that explains it. */
export type ErrorCatalogue<Code extends string> = { readonly [C in Code]: string };

/** "<the catalogue's sentence> (<where>: <detail>)": the message most areas give. */
export function codedMessage<Code extends string>(catalogue: ErrorCatalogue<Code>, code: Code, detail: string, where?: string): string {
  return `${catalogue[code]} (${where ? `${where}: ` : ''}${detail})`;
}

/** The one base of the areas' errors: a stable code, the detail, and the area's name as `name`. */
export class CodedError<Code extends string | undefined = string> extends Error {
  constructor(
    name: string,
    readonly code: Code,
    readonly detail: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = name;
  }
}

/** How an area words its message from the catalogue's sentence and the detail. */
export type MessageFormat = (sentence: string, detail: string) => string;

/**
 * The factory of an area's error class (as Orama's `createError`, but a class, so `instanceof` and the name
 * tell areas apart): `new AreaError(code, detail)` has that code, that detail, and the catalogue's sentence in
 * its message ("<sentence> (<detail>)" unless `format` words it otherwise).
 */
export function codedErrorClass<Code extends string>(name: string, catalogue: ErrorCatalogue<Code>, format?: MessageFormat) {
  return class extends CodedError<Code> {
    constructor(code: Code, detail: string, options?: { cause?: unknown }) {
      super(name, code, detail, format ? format(catalogue[code], detail) : codedMessage(catalogue, code, detail), options);
    }
  };
}

/** Whether `error` is an `ErrorClass` and, when `code` is given, carries that code. */
export function isCodedError<E extends CodedError<string | undefined>>(ErrorClass: abstract new (...args: never[]) => E, error: unknown, code?: E['code']): error is E {
  return error instanceof ErrorClass && (code === undefined || error.code === code);
}

/** Why a worker could not answer: it failed to load, crashed, or closed; every call pending on it fails with this. */
export const WORKER_ERROR_CODES = {
  'worker-failed-to-load': 'The worker could not start (its script failed to load or threw while starting).',
  'worker-crashed': 'The worker threw an uncaught error and stopped answering.',
  'worker-closed': 'The worker was closed or killed while calls were pending.',
} as const;

export type WorkerErrorCode = keyof typeof WORKER_ERROR_CODES;

/** A call whose worker was lost; `detail` names the worker and what the browser said. */
export class WorkerError extends codedErrorClass('WorkerError', WORKER_ERROR_CODES) {}

export function isWorkerError(error: unknown, code?: WorkerErrorCode): error is WorkerError {
  return isCodedError(WorkerError, error, code);
}
