import { render } from 'preact';
import './styles/app.css';
import { App } from './features/App';
import { createServices } from './features/services';
import { createForgePlatform } from './platform/bridge';
import { PROJECT_PAGE_MODULE } from './platform/types';

const start = async () => {
  const root = document.getElementById('root');
  if (!root) return;
  const platform = createForgePlatform();
  // Theme first so the first paint already uses the viewer's light/dark tokens.
  await platform.enableTheme().catch(() => undefined);
  try {
    const context = await platform.getContext();
    const history = context.moduleKey === PROJECT_PAGE_MODULE ? await platform.createHistory() : null;
    render(<App services={createServices(platform, context, history)} />, root);
  } catch (error) {
    const message = document.createElement('p');
    message.setAttribute('role', 'alert');
    message.textContent = `Estimo could not start: ${error instanceof Error ? error.message : String(error)}`;
    root.replaceChildren(message);
  }
};

void start();
