// The project page's own paths, kept in the host URL through view.createHistory() so a
// room can be deep-linked: "/" is the home, "/session/{id}" a room.
export type Route = { name: 'home' } | { name: 'session'; sessionId: string };

export const parseRoute = (path: string | undefined): Route => {
  const match = /^\/?session\/([^/?#]+)/.exec(path ?? '');
  return match?.[1] ? { name: 'session', sessionId: decodeURIComponent(match[1]) } : { name: 'home' };
};

export const routePath = (route: Route): string =>
  route.name === 'session' ? `/session/${encodeURIComponent(route.sessionId)}` : '/';
