import { PGlite } from '@electric-sql/pglite';
const db = await PGlite.create();
const r = await db.query("select length($1::text) as n, $1::text as t, octet_length($1::text) as o, 'a' || $1::text as u", ['\uFEFFx']);
console.log(r.rows, JSON.stringify(r.rows[0].t), JSON.stringify(r.rows[0].u));
const r2 = await db.query("select chr(65279) || 'y' as t");
console.log(JSON.stringify(r2.rows[0].t));
const r3 = await db.query("select chr(65279) || 'y' as t", [], { parsers: { 25: (v) => v } });
console.log(JSON.stringify(r3.rows[0].t));
await db.close();
