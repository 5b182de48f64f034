/**
 * A bare SMTP client over a socket, for what real clients refuse to send: pipelined
 * batches, bare LF, smuggling attempts. Every read has a timeout.
 */
import net from 'node:net';

export interface RawSmtp {
  /** Reads one complete reply (multi-line replies joined with '\n'). */
  reply(timeoutMs?: number): Promise<string>;
  send(data: string | Buffer): void;
  /** Sends one command line and reads its reply. */
  command(line: string): Promise<string>;
  close(): void;
}

export async function rawSmtp(port: number): Promise<RawSmtp> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  let buffer = '';
  const waiters: (() => void)[] = [];
  socket.on('data', (d) => {
    buffer += d.toString('latin1');
    for (const w of waiters.splice(0)) w();
  });
  const reply = async (timeoutMs = 5_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines = buffer.split('\r\n');
      let taken: string[] | null = null;
      for (let i = 0; i < lines.length - 1; i++) {
        if (/^\d{3} /.test(lines[i]!)) {
          taken = lines.slice(0, i + 1);
          buffer = lines.slice(i + 1).join('\r\n');
          break;
        }
      }
      if (taken) return taken.join('\n');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no SMTP reply within ${timeoutMs} ms (buffer: ${JSON.stringify(buffer)})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  };
  const send = (data: string | Buffer) => socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  return {
    reply,
    send,
    async command(line) {
      send(`${line}\r\n`);
      return reply();
    },
    close: () => socket.destroy(),
  };
}
