#!/usr/bin/env node
// Runs `prisma generate` without network access. The Prisma CLI insists on locating a
// native schema engine for every command and would download one; generate never runs
// it, so any existing executable satisfies the check (see PRODUCT.md, "Prisma 7").
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const prismaCli = require.resolve('prisma/build/index.js');
execFileSync(process.execPath, [prismaCli, 'generate'], {
  cwd: path.join(__dirname, '..'),
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || process.execPath,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
  },
});
