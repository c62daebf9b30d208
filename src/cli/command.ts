// A subcommand of `rl`: each lives in its own file under src/cli and is listed in main.ts.
export interface CliCommand {
  name: string;
  /** One line for `rl --help`. */
  summary: string;
  /** argv after the command name. Resolves when done; throws an Error with a user-facing message on bad input. */
  run(argv: string[]): Promise<void>;
}
