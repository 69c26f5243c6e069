import { createInterface } from 'node:readline/promises';

/** A typed confirmation on a terminal; undefined when stdin is not one (scripts must pass --yes). */
export function terminalConfirm(): ((question: string, expected: string) => Promise<boolean>) | undefined {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  return async (question, expected) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return (await rl.question(question)).trim() === expected;
    } finally {
      rl.close();
    }
  };
}
