// Stand-alone Node.js runtime client inside each worker, speaking the protocol of bootstrap.py.
//
// harness -> worker  [u32 length][kind][body]: "S" setup JSON {"path": [...], "vt": virtual now},
//                    "V" invoke: header JSON, "\n", event bytes
// worker -> harness  [u32 length][kind][u32 max RSS KiB][body]: "I" init done, "F" init failed,
//                    "R" result, "E" error (the Node runtime's error JSON: errorType, errorMessage, trace)
// Pipes are passed as argv fds; the worker exits when its request or lifeline pipe reaches EOF.
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import util from "node:util";
import { register } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const THIS_FILE = fileURLToPath(import.meta.url);
const MAX_FRAME = 64 * 1024 * 1024;
const [reqFd, respFd, lifeFd] = process.argv.slice(2, 5).map(Number);
const RealDate = Date;
let offsetMs = 0;

class Fault extends Error {
  constructor(errorType, message) {
    super(message);
    this.errorType = errorType;
  }
}

// Virtual time: Date.now() and new Date() follow the harness clock, as time.time() does in Python.
function installVirtualTime() {
  class VirtualDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + offsetMs);
      else super(...args);
    }
    static now() {
      return RealDate.now() + offsetMs;
    }
  }
  globalThis.Date = VirtualDate;
}

function setVirtualNow(vt) {
  if (typeof vt === "number") offsetMs = vt * 1000 - RealDate.now();
}

// Lambda's Node runtime writes each console line as time, request id, level, message; the harness's
// log block adds the time and request id, so the level and message are written here.
function installConsole() {
  const levels = { log: "INFO", info: "INFO", warn: "WARN", error: "ERROR", debug: "DEBUG", trace: "TRACE" };
  for (const [method, level] of Object.entries(levels)) {
    console[method] = (...args) => {
      const text = util.format(...args).replace(/\n/g, "\r");
      process.stdout.write(`${level}\t${text}\n`);
    };
  }
}

// AWS host names the harness serves lead to its loopback listeners (443: TLS, 80: HTTP). Only the
// address a socket connects to changes: https, fetch and the SDK still send and verify the AWS name.
function installAwsNames(spec) {
  if (!spec) return;
  const patterns = spec.patterns.map((p) => new RegExp(`^(?:${p})$`));
  const ports = { 443: spec.https, 80: spec.http };
  const served = (host) => typeof host === "string" && patterns.some((re) => re.test(host.toLowerCase().replace(/\.$/, "")));
  const moved = (opts) => {
    const port = Number(opts.port ?? 443);
    return { ...opts, host: "127.0.0.1", port: ports[port] ?? port };
  };
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (...args) {
    const first = args[0];
    if (Array.isArray(first)) {
      const opts = first[0];
      if (opts && typeof opts === "object" && !opts.path && served(opts.host)) first[0] = moved(opts);
    } else if (first && typeof first === "object" && !first.path && served(first.host)) {
      args[0] = moved(first);
    } else if (typeof args[1] === "string" && served(args[1])) {
      const port = Number(first);
      args[0] = ports[port] ?? port;
      args[1] = "127.0.0.1";
    }
    return connect.apply(this, args);
  };
}

function send(kind, body) {
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const head = Buffer.alloc(9);
  head.writeUInt32BE(5 + payload.length, 0);
  head.write(kind, 4, "latin1");
  head.writeUInt32BE(process.resourceUsage().maxRSS >>> 0, 5);
  let view = Buffer.concat([head, payload]);
  while (view.length) {
    try {
      view = view.subarray(fs.writeSync(respFd, view));
    } catch (err) {
      if (err.code !== "EAGAIN") throw err;
    }
  }
}

function errorBody(err) {
  if (err instanceof Fault) return { errorType: err.errorType, errorMessage: err.message, trace: [] };
  if (err instanceof Error) {
    const trace = String(err.stack || "").split("\n").filter((line) => !line.includes(THIS_FILE));
    return { errorType: err.name, errorMessage: err.message, trace };
  }
  return { errorType: typeof err, errorMessage: String(err), trace: [] };
}

function logError(prefix, body) {
  const detail = { errorType: body.errorType, errorMessage: body.errorMessage, stack: body.trace };
  process.stdout.write(`ERROR\t${prefix} \t${JSON.stringify(detail)}\n`);
}

function moduleFile(root, name) {
  const base = path.resolve(root, name);
  for (const ext of [".js", ".mjs", ".cjs"]) {
    if (fs.existsSync(base + ext)) return base + ext;
  }
  return null;
}

async function loadHandler(spec, root) {
  const dot = spec.lastIndexOf(".");
  if (dot <= 0 || dot === spec.length - 1) throw new Fault("Runtime.MalformedHandlerName", "Bad handler");
  const name = spec.slice(0, dot);
  const exported = spec.slice(dot + 1);
  const file = moduleFile(root, name);
  if (file === null) {
    throw new Fault("Runtime.ImportModuleError", `Error: Cannot find module '${name}'\nRequire stack:\n- ${THIS_FILE}`);
  }
  let module;
  try {
    module = await import(pathToFileURL(file).href);
  } catch (err) {
    if (err && (err.code === "ERR_MODULE_NOT_FOUND" || err.code === "MODULE_NOT_FOUND")) {
      throw new Fault("Runtime.ImportModuleError", `${err.name}: ${err.message}`);
    }
    if (err instanceof SyntaxError) throw new Fault("Runtime.UserCodeSyntaxError", `${err.name}: ${err.message}`);
    throw err;
  }
  const handler = module[exported] ?? module.default?.[exported];
  if (typeof handler !== "function") {
    throw new Fault("Runtime.HandlerNotFound", `${spec} is undefined or not exported`);
  }
  const major = Number((process.env.AWS_EXECUTION_ENV || "").match(/nodejs(\d+)/)?.[1] || 0);
  // The runtime interface client flags a handler as callback-based when it takes three
  // arguments and is not an async function (src/WarningForCallbackHandlers.js).
  if (handler.length >= 3 && handler.constructor?.name !== "AsyncFunction" && major >= 24) {
    throw new Fault("Runtime.CallbackHandlerDeprecated",
      "ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. "
      + "You need to modify this function to use a supported handler signature to use Node.js 24 or later.");
  }
  return handler;
}

function makeContext(header) {
  const env = process.env;
  const deadline = header.dl;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: header.arn,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: header.id,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: header.ci ?? undefined,
    clientContext: header.cc ?? undefined,
    getRemainingTimeInMillis: () => Math.max(0, deadline - RealDate.now()),
  };
}

function call(handler, event, context) {
  if (handler.length < 3) return Promise.resolve().then(() => handler(event, context));
  return new Promise((resolve, reject) => {
    const callback = (err, value) => (err === null || err === undefined ? resolve(value) : reject(err));
    const returned = handler(event, context, callback);
    if (returned && typeof returned.then === "function") returned.then(resolve, reject);
  });
}

async function invoke(handler, frame) {
  const newline = frame.indexOf(10);
  const header = JSON.parse(frame.subarray(0, newline).toString());
  setVirtualNow(header.vt);
  const payload = frame.subarray(newline + 1).toString();
  let event;
  try {
    event = payload.trim() ? JSON.parse(payload) : {};
  } catch (err) {
    const body = { errorType: "Runtime.UnmarshalError", errorMessage: `Unable to unmarshal input: ${err.message}`, trace: [] };
    logError("Invoke Error", body);
    return ["E", JSON.stringify(body)];
  }
  try {
    const result = await call(handler, event, makeContext(header));
    return ["R", JSON.stringify(result === undefined ? null : result)];
  } catch (err) {
    const body = errorBody(err);
    logError("Invoke Error", body);
    return ["E", JSON.stringify(body)];
  }
}

function frames(fd, onFrame) {
  let buf = Buffer.alloc(0);
  const stream = new net.Socket({ fd, readable: true, writable: false });
  stream.on("data", (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 4) {
      const size = buf.readUInt32BE(0);
      if (size > MAX_FRAME) process.exit(70);
      if (buf.length < 4 + size) break;
      const frame = buf.subarray(4, 4 + size);
      buf = buf.subarray(4 + size);
      onFrame(frame);
    }
  });
  stream.on("end", () => process.exit(0));
  stream.on("error", () => process.exit(0));
  return stream;
}

async function main() {
  const life = new net.Socket({ fd: lifeFd, readable: true, writable: false });
  life.on("data", () => {});
  life.on("end", () => process.exit(0));
  life.on("error", () => process.exit(0));
  let handler = null;
  let chain = Promise.resolve();
  const stream = frames(reqFd, (frame) => {
    const kind = String.fromCharCode(frame[0]);
    const body = Buffer.from(frame.subarray(1));
    chain = chain.then(async () => {
      if (kind === "S") {
        const setup = JSON.parse(body.toString());
        register(pathToFileURL(path.join(path.dirname(THIS_FILE), "node_resolve.mjs")), {
          data: { paths: setup.path },
        });
        setVirtualNow(setup.vt);
        installVirtualTime();
        installAwsNames(setup.names);
        installConsole();
        try {
          handler = await loadHandler(process.env._HANDLER || "", process.env.LAMBDA_TASK_ROOT || process.cwd());
        } catch (err) {
          const out = errorBody(err);
          logError("Uncaught Exception", out);
          send("F", JSON.stringify(out));
          process.exit(1);
        }
        send("I", "");
      } else if (kind === "V" && handler !== null) {
        const [answer, out] = await invoke(handler, body);
        send(answer, out);
      }
    });
  });
  return stream;
}

process.on("unhandledRejection", (reason) => {
  const body = errorBody(reason);
  logError("Unhandled Promise Rejection", body);
  send("E", JSON.stringify({ ...body, errorType: "Runtime.UnhandledPromiseRejection" }));
  process.exit(128);
});

main();
