// Estimo simulator: the bridge a Forge host gives a Custom UI iframe.
//
// The real @forge/bridge package calls globalThis.__bridge.callBridge(name, payload) and expects
// a promise. This shim is injected (server-side) before the app's own scripts and forwards each
// call to the host page with postMessage; the host answers with the same id. Calls whose payload
// holds functions (events.on, createHistory's listeners) are handled here, in the iframe, because
// functions cannot cross postMessage.
(function () {
  'use strict';
  if (globalThis.__bridge) {
    return;
  }
  var parentWindow = window.parent;
  var origin = window.location.origin;
  var pending = new Map();
  var nextId = 1;
  var eventListeners = new Map();

  // host.js is the host page's last script, so this frame can run before the host listens and
  // a call posted then would be lost. Calls wait until the host has said it is ready: it answers
  // our hello, or announces itself when it starts (whichever comes first).
  var hostReady = false;
  var unsent = [];

  function post(message) {
    parentWindow.postMessage(message, origin);
  }

  function send(name, payload) {
    return new Promise(function (resolve, reject) {
      var id = 'call-' + nextId++;
      pending.set(id, { resolve: resolve, reject: reject });
      var message = { type: 'estimo-sim:bridge-call', id: id, name: name, payload: payload };
      if (hostReady) {
        post(message);
      } else {
        unsent.push(message);
      }
    });
  }

  window.addEventListener('message', function (event) {
    if (event.source !== parentWindow || event.origin !== origin || !event.data) {
      return;
    }
    var data = event.data;
    if (data.type === 'estimo-sim:host-ready') {
      if (!hostReady) {
        hostReady = true;
        unsent.splice(0).forEach(post);
      }
    } else if (data.type === 'estimo-sim:bridge-result' && pending.has(data.id)) {
      var call = pending.get(data.id);
      pending.delete(data.id);
      if (data.ok) {
        call.resolve(data.value);
      } else {
        var error = new Error(data.error || 'Bridge call failed');
        error.name = 'BridgeAPIError';
        call.reject(error);
      }
    } else if (data.type === 'estimo-sim:event') {
      (eventListeners.get(data.event) || []).forEach(function (callback) {
        try {
          callback(data.payload);
        } catch (e) {
          console.error(e);
        }
      });
    } else if (data.type === 'estimo-sim:history') {
      histories.forEach(function (h) { h.pop(data.path); });
    } else if (data.type === 'estimo-sim:theme') {
      applyTheme(data.colorMode);
    }
  });

  function applyTheme(colorMode) {
    var root = document.documentElement;
    root.setAttribute('data-color-mode', colorMode || 'light');
    root.setAttribute('data-theme', 'light:light dark:dark spacing:spacing typography:typography');
  }

  function subscribe(payload, publicEvent) {
    var key = (publicEvent ? 'public:' : '') + payload.event;
    var list = eventListeners.get(key) || [];
    list.push(payload.callback);
    eventListeners.set(key, list);
    return Promise.resolve({
      unsubscribe: function () {
        var current = eventListeners.get(key) || [];
        eventListeners.set(key, current.filter(function (cb) { return cb !== payload.callback; }));
      }
    });
  }

  // Histories handed out by createHistory; the host tells them about back/forward (POP).
  var histories = [];

  function toLocation(path, state) {
    var url = new URL(path || '/', 'http://x');
    return { pathname: url.pathname, search: url.search, hash: url.hash, state: state, key: String(Date.now()) };
  }

  function createHistory() {
    var listeners = [];
    var history = {
      action: 'POP',
      location: toLocation('/'),
      push: function (path, state) { go('PUSH', path, state); },
      replace: function (path, state) { go('REPLACE', path, state); },
      go: function (delta) { send('historyGo', { delta: delta || 0 }); },
      back: function () { send('historyGo', { delta: -1 }); },
      forward: function () { send('historyGo', { delta: 1 }); },
      listen: function (listener) {
        listeners.push(listener);
        return function () { listeners = listeners.filter(function (l) { return l !== listener; }); };
      }
    };
    function notify(action, location) {
      history.action = action;
      history.location = location;
      listeners.forEach(function (l) { l(location, action); });
    }
    function go(action, path, state) {
      var target = typeof path === 'string' ? path : (path.pathname || '/') + (path.search || '') + (path.hash || '');
      var location = toLocation(target, state);
      notify(action, location);
      send('historyChanged', { action: action, pathname: location.pathname, search: location.search, hash: location.hash });
    }
    history.pop = function (path) { notify('POP', toLocation(path)); };
    // The initial location comes from the host URL (the path after the module route), so a deep
    // link opens the app where it points.
    return send('historyLocation').then(function (path) {
      history.location = toLocation(path);
      histories.push(history);
      return history;
    }, function () {
      histories.push(history);
      return history;
    });
  }

  globalThis.__bridge = {
    callBridge: function (name, payload) {
      switch (name) {
        case 'on':
          return subscribe(payload, false);
        case 'onPublic':
          return subscribe(payload, true);
        case 'createHistory':
          return createHistory();
        case 'enableTheming':
          applyTheme('light');
          return send('enableTheming');
        default:
          return send(name, payload);
      }
    }
  };
  post({ type: 'estimo-sim:hello' });
})();
