declare module 'libmime' {
  interface Libmime {
    decodeWords(value: string): string;
    detectExtension(mimeType: string): string;
    encodeWord(value: string, mimeWordEncoding?: 'Q' | 'B', maxLength?: number): string;
    encodeWords(value: string, mimeWordEncoding?: 'Q' | 'B', maxLength?: number): string;
    foldLines(value: string, lineLength?: number, afterSpace?: boolean): string;
  }
  const libmime: Libmime;
  export default libmime;
}
