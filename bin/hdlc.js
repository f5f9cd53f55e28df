#!/usr/bin/env node
// Entry point of the `hdlc` command: loads TypeScript through tsx, so that
// design files run as they are written.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../compiler/cli.ts');
process.exitCode = await main(process.argv.slice(2));
