import { readFile } from 'node:fs/promises';
import { parseInboundMessage } from './src/desk/parse-message.js';
const rawFile = await readFile(process.argv[2]!);
const pre = Buffer.concat([Buffer.from('X-Original-To: help@solarmora.com\r\nReceived: from [127.0.0.1] by gw\r\n\tfor <help@solarmora.com>; Mon, 1 Jan 2025 00:00:00 +0000\r\n'), rawFile]);
const p = await parseInboundMessage(pre);
console.log(JSON.stringify({ text: p.text.slice(0, 300), subject: p.subject, xo: p.xOriginalTo, problems: p.problems }, null, 1));
