// Parses an AsyncAPI document with the official parser (payloads in the OpenAPI schema format
// too) and prints its diagnostics as JSON; exits 1 when any is an error.
//   node devtools/node/asyncapi-parse.js docs/asyncapi.json
const { readFileSync } = require("node:fs");
const { Parser, DiagnosticSeverity } = require("@asyncapi/parser");
const { OpenAPISchemaParser } = require("@asyncapi/openapi-schema-parser");

async function main(file) {
  const parser = new Parser({ schemaParsers: [OpenAPISchemaParser()] });
  const { diagnostics } = await parser.parse(readFileSync(file, "utf8"), { source: file });
  const found = diagnostics.map((d) => ({
    severity: DiagnosticSeverity[d.severity].toLowerCase(),
    code: d.code, message: d.message, path: d.path.join("/"),
  }));
  process.stdout.write(JSON.stringify(found, null, 1) + "\n");
  return found.some((d) => d.severity === "error") ? 1 : 0;
}

// exitCode, not exit(): exit() would cut a long report short on a pipe
main(process.argv[2]).then((code) => { process.exitCode = code; }, (error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exitCode = 2;
});
