import { Writable } from 'node:stream';

/** A stream for `runCli`'s stdout or stderr that keeps what is written, for the test to read. */
export function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}
