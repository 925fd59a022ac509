/**
 * `hpsearch schema`: the JSON Schema of space files, for editors that check YAML against one
 * (the YAML language server: `# yaml-language-server: $schema=...`).
 */
import type { Command } from 'commander';
import { spaceSchemaText } from '../../space/schema.js';
import type { CliIO } from '../io.js';

export function registerSchema(program: Command, io: CliIO): void {
  program
    .command('schema')
    .description('print the JSON Schema of space files (for editor completion and checks), as the package ships it in space.schema.json')
    .addHelpText(
      'after',
      `
Examples:
  $ hpsearch schema > space.schema.json
  $ hpsearch schema | jq '.properties | keys'`,
    )
    .action(() => {
      io.stdout.write(spaceSchemaText());
    });
}
