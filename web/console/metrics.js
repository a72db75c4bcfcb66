/** Prometheus text format → [{ name, labels, value }] (comments skipped). One pass per line, no regular expressions. */
export function parseMetrics(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const space = line.lastIndexOf(' ');
    const labels = {};
    let name;
    if (brace !== -1 && brace < space) {
      name = line.slice(0, brace);
      const close = line.lastIndexOf('}');
      let i = brace + 1;
      while (i < close) {
        const eq = line.indexOf('="', i);
        if (eq === -1) break;
        const key = line.slice(i, eq);
        let j = eq + 2;
        let value = '';
        while (j < close && line[j] !== '"') {
          if (line[j] === '\\' && j + 1 < close) j++;
          value += line[j++];
        }
        labels[key] = value;
        i = j + 2; // past '",'
      }
    } else name = line.slice(0, space);
    samples.push({ name: name.trim(), labels, value: Number(line.slice(space + 1)) });
  }
  return samples;
}

