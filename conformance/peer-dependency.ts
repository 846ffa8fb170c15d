/**
 * fast-check is an optional peer dependency: only apps that run the conformance suite need
 * it. The suite's entry points load it on demand and turn a missing one into an install
 * hint rather than a bare ERR_MODULE_NOT_FOUND from deep inside the package.
 */
export function needsFastCheck(error: unknown): never {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code === 'ERR_MODULE_NOT_FOUND' && String(message).includes("'fast-check'")) {
    throw new Error(
      'the agent-storage-kit conformance suite needs fast-check, an optional peer dependency: npm install --save-dev fast-check@^4',
      { cause: error },
    );
  }
  throw error;
}
