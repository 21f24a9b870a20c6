#!/usr/bin/env node
/**
 * `npm start` / `npm run cluster` / `npm run learnmesh -- <command>`: runs the learnmesh CLI from plain
 * JavaScript bundled by ./bundle.mjs (see there why: module hooks make a TypeScript start slow).
 * `cluster` also bundles every service's main.ts, which the CLI then runs as child processes.
 */
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ensureBundles, outdir, serviceEntries } from './bundle.mjs'
import { ensureWebBuild } from './web-build.mjs'

const command = process.argv[2]
const entries = { learnmesh: 'packages/cli/src/main.ts', ...(command === 'cluster' ? serviceEntries() : {}) }
// The gateway serves apps/web/dist at /: build it first when it is missing or older than its sources.
// With WEB_ROOT set the gateway serves that folder instead, so apps/web/dist is left alone.
if ((command === 'start' || command === 'cluster') && !process.env.WEB_ROOT) ensureWebBuild()
const bundles = await ensureBundles(entries)
if (command === 'cluster') process.env.LEARNMESH_BUNDLES = join(outdir, 'services')

await import(pathToFileURL(bundles.learnmesh).href)
