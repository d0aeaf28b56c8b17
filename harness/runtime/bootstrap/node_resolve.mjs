// ES module resolution fallback, registered by bootstrap.mjs: a bare specifier the function's own
// node_modules cannot satisfy is looked up in the layers' and the runtime's node_modules folders,
// in NODE_PATH order, as Lambda's Node.js runtime resolves the SDK and layer packages.
import path from "node:path";
import { pathToFileURL } from "node:url";

let folders = [];

export async function initialize(data) {
  folders = Array.isArray(data?.paths) ? data.paths : [];
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    const bare = !/^(\.|\/|file:|node:|data:)/.test(specifier);
    if (!bare || err?.code !== "ERR_MODULE_NOT_FOUND") throw err;
    for (const folder of folders) {
      const parentURL = pathToFileURL(path.join(path.dirname(folder), "__lambda_resolve__.mjs")).href;
      try {
        return await nextResolve(specifier, { ...context, parentURL });
      } catch {
        // try the next folder
      }
    }
    throw err;
  }
}
