import { describe, expect, it } from 'vitest';
import { describeUserAgent } from './describe-user-agent';

describe('describeUserAgent', () => {
  it.each([
    {
      agent:
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
      device: 'Chrome 126 on macOS',
    },
    {
      agent:
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/140.0.0.0 Safari/537.36',
      device: 'Chrome 140 on Linux',
    },
    {
      agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0',
      device: 'Firefox 128 on Windows',
    },
    {
      agent:
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87',
      device: 'Edge 126 on Windows',
    },
    {
      agent:
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      device: 'Safari 17 on iOS',
    },
    { agent: 'node', device: 'node' },
    { agent: 'quarry-sdk/0.1.0 (linux)', device: 'quarry-sdk/0.1.0' },
    { agent: null, device: 'Unknown device' },
  ])('names $device', ({ agent, device }) => {
    expect(describeUserAgent(agent)).toBe(device);
  });
});
