// A strict little XML well-formedness checker for the SVG tests: balanced tags, one root, quoted unique
// attributes, no raw "<" or bare "&" in text or attribute values. Returns the elements for querying.
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  parent: XmlElement | null;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_][\w.:-]*$/;
const ENTITY = /&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;

function checkText(s: string, where: string): void {
  if (s.includes('<')) throw new Error(`raw "<" in ${where}`);
  if (s.replace(ENTITY, '').includes('&')) throw new Error(`bare "&" in ${where}`);
}

export function parseXml(src: string): { root: XmlElement; all: XmlElement[] } {
  let i = 0;
  const all: XmlElement[] = [];
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  src = src.replace(/^\s*<\?xml[^?]*\?>/, '');
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    const text = src.slice(i, lt < 0 ? src.length : lt);
    if (text.trim()) {
      if (!stack.length) throw new Error(`text outside the root element: "${text.trim().slice(0, 40)}"`);
      checkText(text, `text of <${stack[stack.length - 1]!.name}>`);
      stack[stack.length - 1]!.text += text;
    }
    if (lt < 0) break;
    if (src.startsWith('<!--', lt)) {
      const end = src.indexOf('-->', lt);
      if (end < 0) throw new Error('unterminated comment');
      i = end + 3;
      continue;
    }
    const gt = src.indexOf('>', lt);
    if (gt < 0) throw new Error('unterminated tag');
    const tag = src.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`</${name}> closes <${open?.name ?? '(nothing)'}>`);
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const m = /^([^\s/>]+)/.exec(body);
    if (!m || !NAME.test(m[1]!)) throw new Error(`bad tag name in <${tag.slice(0, 30)}>`);
    const attrs: Record<string, string> = {};
    let rest = body.slice(m[1]!.length);
    const attrRe = /^\s+([A-Za-z_:][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/;
    for (;;) {
      const a = attrRe.exec(rest);
      if (!a) break;
      if (a[1]! in attrs) throw new Error(`duplicate attribute ${a[1]} on <${m[1]}>`);
      const value = a[3] ?? a[4] ?? '';
      checkText(value, `attribute ${a[1]} of <${m[1]}>`);
      attrs[a[1]!] = value;
      rest = rest.slice(a[0].length);
    }
    if (rest.trim()) throw new Error(`malformed attributes in <${m[1]}>: "${rest.trim().slice(0, 40)}"`);
    const el: XmlElement = { name: m[1]!, attrs, parent: stack[stack.length - 1] ?? null, children: [], text: '' };
    if (!el.parent) {
      if (root) throw new Error('more than one root element');
      root = el;
    } else el.parent.children.push(el);
    all.push(el);
    if (!selfClosing) stack.push(el);
  }
  if (stack.length) throw new Error(`<${stack[stack.length - 1]!.name}> is never closed`);
  if (!root) throw new Error('no root element');
  return { root, all };
}

export function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** All text inside an element, children included. */
export function textOf(el: XmlElement): string {
  return unescapeXml(el.text + el.children.map(textOf).join(''));
}
