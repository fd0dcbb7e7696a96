/** `node renderMain.js <stack>`: prints the stack's rendered resources as JSON (see ./render). */
import { renderStack } from "./render";

const stack = process.argv[2];
if (stack === undefined) throw new Error("usage: renderMain.js <stack>");
renderStack(stack).then(
  (rs) => {
    // The SDK may keep handles open: leave as soon as the answer is written out.
    process.stdout.write(JSON.stringify(rs), () => process.exit(0));
  },
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
