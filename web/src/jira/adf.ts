// Issue descriptions arrive as Atlassian Document Format. We show them as plain text
// paragraphs: no HTML from Jira is ever injected into the page.
interface AdfNode {
  type?: string;
  text?: string;
  content?: AdfNode[];
  attrs?: Record<string, unknown>;
}

const BLOCKS = new Set(['paragraph', 'heading', 'listItem', 'codeBlock', 'blockquote', 'rule', 'tableRow', 'panel']);

export const adfToParagraphs = (doc: unknown): string[] => {
  if (typeof doc === 'string') return doc.split(/\n{2,}/).filter(Boolean);
  if (!doc || typeof doc !== 'object') return [];
  const paragraphs: string[] = [];
  let current = '';
  const flush = () => {
    const text = current.trim();
    if (text) paragraphs.push(text);
    current = '';
  };
  const walk = (node: AdfNode) => {
    if (node.type === 'text' && typeof node.text === 'string') current += node.text;
    else if (node.type === 'hardBreak') current += '\n';
    else if (node.type === 'mention' || node.type === 'emoji') current += String(node.attrs?.['text'] ?? '');
    else if (node.type === 'inlineCard') current += String(node.attrs?.['url'] ?? '');
    const isBlock = node.type !== undefined && BLOCKS.has(node.type);
    if (isBlock) flush();
    if (node.type === 'listItem') current += '• ';
    for (const child of node.content ?? []) walk(child);
    if (isBlock) flush();
  };
  walk(doc as AdfNode);
  flush();
  return paragraphs;
};
