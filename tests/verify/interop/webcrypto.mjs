// Node 18 (Debian 12's) has Web Crypto only as crypto.webcrypto: give it the global that
// Node 20 has, before the libraries load (imported first by verify.mjs).
import {webcrypto} from 'node:crypto';

if(!globalThis.crypto) {
  globalThis.crypto = webcrypto;
}
