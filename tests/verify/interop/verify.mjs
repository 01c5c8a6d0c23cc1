// Verify a credential signed by PeerCert with Digital Bazaar's libraries (what open wallets use).
// Input on stdin: {"credential": {...}, "documents": {url: document}, "contexts": {url: path}}.
// Nothing is fetched: contexts come from the files PeerCert bundles, the DID document and
// the status list credentials from "documents". Output: one JSON line.
import './webcrypto.mjs';
import {readFileSync} from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';

const input = JSON.parse(readFileSync(0, 'utf8'));

async function documentLoader(url) {
  if(input.contexts[url]) {
    const document = JSON.parse(readFileSync(input.contexts[url], 'utf8'));
    return {contextUrl: null, documentUrl: url, document};
  }
  const [base, fragment] = url.split('#');
  const found = input.documents[base];
  if(found && base.startsWith('did:') && fragment) {
    // a did:web verification method: the DID document's entry, in the DID document's contexts
    const method = found.verificationMethod.find(m => m.id === url);
    if(method) {
      return {contextUrl: null, documentUrl: url, document: {'@context': found['@context'], ...method}};
    }
  }
  if(found) {
    return {contextUrl: null, documentUrl: url, document: found};
  }
  throw new Error(`not available offline: ${url}`);
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
const result = await vc.verifyCredential({
  credential: input.credential,
  suite,
  documentLoader,
  checkStatus: options => checkStatus({
    ...options, verifyBitstringStatusListCredential: true, verifyMatchingIssuers: true
  })
});
const statuses = (result.statusResult?.results || []).map(
  r => ({purpose: r.credentialStatus.statusPurpose, set: r.status}));
const errors = [];
for(const error of [result.error, ...(result.error?.errors || [])]) {
  if(error) {
    errors.push(String(error.message || error));
  }
}
console.log(JSON.stringify({
  verified: result.verified,
  signature: result.results?.[0]?.verified ?? false,
  statuses,
  errors
}));
