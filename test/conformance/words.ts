/**
 * `--cmd` split into a program and its arguments as a POSIX shell splits a
 * simple command: blanks separate words, '...' is literal, "..." and bare
 * words expand $NAME and ${NAME} from the environment given and take
 * backslash escapes, and leading NAME=value words set environment variables.
 * No shell runs, so the program started is the process that gets SIGTERM, as
 * a container's PID 1 is; pipes, `&&` and redirections are refused.
 */

export interface ParsedCommand {
  readonly program: string;
  readonly args: readonly string[];
  /** NAME=value assignments written before the program. */
  readonly assignments: Readonly<Record<string, string>>;
}

const OPERATORS = /[|&;<>()`]/;

/** Splits `command`; throws an Error saying what is not supported. */
export function parseCommand(
  command: string,
  env: Readonly<Record<string, string | undefined>>,
): ParsedCommand {
  const words: string[] = [];
  let word: string | undefined;
  const add = (text: string) => (word = (word ?? "") + text);
  const expand = (text: string, from: number): [string, number] => {
    const braced = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(text.slice(from));
    const bare = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(from));
    const match = braced ?? bare;
    if (match === null) return ["$", from + 1];
    return [env[match[1]] ?? "", from + match[0].length];
  };
  let i = 0;
  while (i < command.length) {
    const c = command[i];
    if (c === " " || c === "\t" || c === "\n") {
      if (word !== undefined) words.push(word);
      word = undefined;
      i += 1;
    } else if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) throw new Error("an unterminated ' quote");
      add(command.slice(i + 1, end));
      i = end + 1;
    } else if (c === '"') {
      i += 1;
      add("");
      while (i < command.length && command[i] !== '"') {
        if (command[i] === "\\" && /["\\$`]/.test(command[i + 1] ?? "")) {
          add(command[i + 1]);
          i += 2;
        } else if (command[i] === "$") {
          const [text, next] = expand(command, i);
          add(text);
          i = next;
        } else {
          add(command[i]);
          i += 1;
        }
      }
      if (i >= command.length) throw new Error('an unterminated " quote');
      i += 1;
    } else if (c === "\\") {
      add(command[i + 1] ?? "");
      i += 2;
    } else if (c === "$") {
      const [text, next] = expand(command, i);
      add(text);
      i = next;
    } else if (OPERATORS.test(c)) {
      throw new Error(
        `shell syntax (${c}) is not run by the checker; wrap it as sh -c '... exec <gateway>' so SIGTERM still reaches the gateway`,
      );
    } else {
      add(c);
      i += 1;
    }
  }
  if (word !== undefined) words.push(word);
  const assignments: Record<string, string> = {};
  while (words.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0])) {
    const [name, ...rest] = (words.shift() as string).split("=");
    assignments[name] = rest.join("=");
  }
  const [program, ...args] = words;
  if (program === undefined) throw new Error("no program to run");
  return { program, args, assignments };
}
