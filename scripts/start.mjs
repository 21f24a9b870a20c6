#!/usr/bin/env node
/**
 * `npm start` / `npm run cluster` / `npm run learnmesh -- <command>`: runs the learnmesh CLI from plain
 * JavaScript bundled by ./bundle.mjs (see there why: module hooks make a TypeScript start slow).
 * `cluster` also bundles every service's main.ts, which the CLI then runs as child processes.
 */
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ensureBundles, outdir, serviceEntries } from './bundle.mjs'

const command = process.argv[2]
const entries = { learnmesh: 'packages/cli/src/main.ts', ...(command === 'cluster' ? serviceEntries() : {}) }
const bundles = await ensureBundles(entries)
if (command === 'cluster') process.env.LEARNMESH_BUNDLES = join(outdir, 'services')

await import(pathToFileURL(bundles.learnmesh).href)
