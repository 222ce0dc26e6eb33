/**
 * Reading CAS 3.0 `/p3/serviceValidate` answers (api/cas.ts): success with attributes, failure with
 * its code, any namespace prefix, and the strict XML reader refusing DTDs (entity expansion,
 * external entities), wrong namespaces and malformed documents.
 */
import { CasError, parseXml, readServiceResponse } from '../../api/cas';

const NS = 'http://www.yale.edu/tp/cas';

const success = `<?xml version="1.0" encoding="UTF-8"?>
<!-- as Apereo CAS answers -->
<cas:serviceResponse xmlns:cas="${NS}">
  <cas:authenticationSuccess>
    <cas:user>maxiaodong</cas:user>
    <cas:attributes>
      <cas:staffNo>A1001</cas:staffNo>
      <cas:displayName>马晓东 &amp; co &#x263A;</cas:displayName>
      <cas:memberOf>audit</cas:memberOf>
      <cas:memberOf><![CDATA[staff <all>]]></cas:memberOf>
    </cas:attributes>
  </cas:authenticationSuccess>
</cas:serviceResponse>`;

function casError(f: () => unknown): CasError {
  try {
    f();
  } catch (err) {
    if (err instanceof CasError) return err;
    throw err;
  }
  throw new Error('no CasError');
}

test('a success gives the user, its attributes (repeated ones as lists) and the subject', () => {
  expect(readServiceResponse(success)).toEqual({
    user: 'maxiaodong',
    subject: 'maxiaodong',
    attributes: { staffNo: ['A1001'], displayName: ['马晓东 & co ☺'], memberOf: ['audit', 'staff <all>'] },
  });
  expect(readServiceResponse(success, 'staffNo').subject).toBe('A1001');
  expect(casError(() => readServiceResponse(success, 'employeeNumber')).code).toBe('cas_no_subject');
});

test('the namespace decides, not the prefix', () => {
  const other = `<x:serviceResponse xmlns:x="${NS}"><x:authenticationSuccess><x:user>u1</x:user></x:authenticationSuccess></x:serviceResponse>`;
  expect(readServiceResponse(other).user).toBe('u1');
  const dflt = `<serviceResponse xmlns="${NS}"><authenticationSuccess><user>u2</user></authenticationSuccess></serviceResponse>`;
  expect(readServiceResponse(dflt).user).toBe('u2');
  const wrong = `<cas:serviceResponse xmlns:cas="http://evil.example.com/cas"><cas:authenticationSuccess><cas:user>u3</cas:user></cas:authenticationSuccess></cas:serviceResponse>`;
  expect(casError(() => readServiceResponse(wrong)).code).toBe('cas_bad_response');
  // A user outside the CAS namespace does not count.
  const foreign = `<cas:serviceResponse xmlns:cas="${NS}" xmlns:e="urn:e"><cas:authenticationSuccess><e:user>u4</e:user></cas:authenticationSuccess></cas:serviceResponse>`;
  expect(casError(() => readServiceResponse(foreign)).code).toBe('cas_bad_response');
});

test('a failure is refused with the server’s code', () => {
  const failure = `<cas:serviceResponse xmlns:cas="${NS}">
  <cas:authenticationFailure code="INVALID_TICKET">Ticket ST-1856339-aA5Yuvrxzpv8Tau1cYQ7 not recognized</cas:authenticationFailure>
</cas:serviceResponse>`;
  const err = casError(() => readServiceResponse(failure));
  expect(err.code).toBe('cas_ticket_invalid');
  expect(err.serverCode).toBe('INVALID_TICKET');
  expect(err.message).toMatch(/not recognized/);
  const empty = `<cas:serviceResponse xmlns:cas="${NS}"><cas:authenticationSuccess><cas:user> </cas:user></cas:authenticationSuccess></cas:serviceResponse>`;
  expect(casError(() => readServiceResponse(empty)).code).toBe('cas_bad_response');
});

test('DTDs, unknown entities and malformed XML are refused', () => {
  const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><cas:serviceResponse xmlns:cas="${NS}"><cas:authenticationSuccess><cas:user>&lol2;</cas:user></cas:authenticationSuccess></cas:serviceResponse>`;
  const xxe = `<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><cas:serviceResponse xmlns:cas="${NS}"><cas:authenticationSuccess><cas:user>&x;</cas:user></cas:authenticationSuccess></cas:serviceResponse>`;
  const entity = `<cas:serviceResponse xmlns:cas="${NS}"><cas:authenticationSuccess><cas:user>&x;</cas:user></cas:authenticationSuccess></cas:serviceResponse>`;
  for (const bad of [
    laughs,
    xxe,
    entity,
    '',
    'not xml',
    `<cas:serviceResponse xmlns:cas="${NS}">`,
    `<cas:serviceResponse xmlns:cas="${NS}"></cas:other>`,
    `<cas:serviceResponse xmlns:cas="${NS}"/><cas:serviceResponse xmlns:cas="${NS}"/>`,
    `<a:serviceResponse/>`,
    `<cas:serviceResponse xmlns:cas="${NS}" a="1" a="2"/>`,
    `<cas:serviceResponse xmlns:cas="${NS}">a & b</cas:serviceResponse>`,
    '<'.repeat(10) + 'a>',
    `${'<a>'.repeat(40)}${'</a>'.repeat(40)}`,
  ]) {
    expect({ bad: bad.slice(0, 60), code: casError(() => readServiceResponse(bad)).code }).toEqual({ bad: bad.slice(0, 60), code: 'cas_bad_response' });
  }
});

test('the reader keeps text, attributes and structure', () => {
  const el = parseXml(`<r xmlns="urn:r" k='v &quot;q&quot;'><a>1</a>x<b/><!-- c --><a>2</a></r>`);
  expect(el).toMatchObject({ local: 'r', ns: 'urn:r', attrs: { xmlns: 'urn:r', k: 'v "q"' }, text: 'x' });
  expect(el.children.map((c) => [c.local, c.text, c.ns])).toEqual([
    ['a', '1', 'urn:r'],
    ['b', '', 'urn:r'],
    ['a', '2', 'urn:r'],
  ]);
});
