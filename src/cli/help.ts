import type { Argument, Command, Option } from "commander";

/**
 * One way of writing what `--help` adds to a description, for every command: `(required)` for
 * a mandatory option, `(choices: a, b)` and `(default: 42)` without JSON quotes, the same form
 * as the defaults written into descriptions by hand (`(default: <out>.rejects.jsonl)`).
 */
function optionDescription(option: Option): string {
  const extra: string[] = [];
  if (option.mandatory) extra.push("required");
  if (option.argChoices) extra.push(`choices: ${option.argChoices.join(", ")}`);
  // A flag's false/true default says nothing to a user (commander shows it for non-negated flags only).
  const showDefault = option.required || option.optional || (option.isBoolean() && typeof option.defaultValue === "boolean" && !option.negate);
  const shown = showDefault ? defaultText(option.defaultValue, option.defaultValueDescription) : undefined;
  if (shown !== undefined) extra.push(`default: ${shown}`);
  return withExtra(option.description, extra);
}

function argumentDescription(argument: Argument): string {
  const extra: string[] = [];
  if (argument.argChoices) extra.push(`choices: ${argument.argChoices.join(", ")}`);
  const shown = defaultText(argument.defaultValue, argument.defaultValueDescription);
  if (shown !== undefined) extra.push(`default: ${shown}`);
  return withExtra(argument.description, extra);
}

function defaultText(value: unknown, description: string | undefined): string | undefined {
  if (description) return description;
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}

function withExtra(description: string, extra: readonly string[]): string {
  if (extra.length === 0) return description;
  return description ? `${description} (${extra.join("; ")})` : `(${extra.join("; ")})`;
}

/** Gives `program` and every command added to it afterwards (they inherit it) the project's help format. */
export function useProjectHelp(program: Command): Command {
  return program.configureHelp({ optionDescription, argumentDescription });
}
