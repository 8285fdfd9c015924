/** A failure the CLI reports as one line on stderr, with a non-zero exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    /** Process exit code: 2 for usage errors (as getopt tools do), 1 for the rest. */
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

function codeOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** Turns a listen failure (EADDRINUSE, EACCES...) into an operator-readable sentence. */
export function describeListenError(error: unknown, where: string): CliError {
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'EADDRINUSE':
      return new CliError(`cannot listen on ${where}: it is already in use by another process`);
    case 'EACCES':
    case 'EPERM':
      return new CliError(`cannot listen on ${where}: permission denied`);
    case 'EADDRNOTAVAIL':
      return new CliError(`cannot listen on ${where}: no such local address`);
    case 'ENOENT':
      return new CliError(`cannot listen on ${where}: the directory does not exist`);
    case 'EEXIST':
      return new CliError(`cannot listen on ${where}: ${message}`);
    case 'EBADF':
    case 'ENOTSOCK':
    case 'EINVAL':
      return new CliError(`cannot listen on ${where}: not a listening socket (${code})`);
    default:
      return new CliError(`cannot listen on ${where}: ${message}`);
  }
}
