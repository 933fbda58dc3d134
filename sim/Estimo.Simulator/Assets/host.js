// Estimo simulator: the host page's half of the Forge bridge.
//
// Each app iframe posts {type: 'estimo-sim:bridge-call', id, name, payload}; this script answers
// with {type: 'estimo-sim:bridge-result', id, ok, value | error}. Jira calls go to the simulated
// REST API with a session bearer token of the signed-in user; invokeRemote goes through the
// simulator's server (which signs the FIT); requestRemote calls the remote from the browser.
(function () {
  'use strict';
  var picker = document.getElementById('user-picker');
  if (picker && picker.form) {
    picker.addEventListener('change', function () { picker.form.submit(); });
  }

  var frames = Array.prototype.slice.call(document.querySelectorAll('iframe.forge-frame'));
  var session = null;

  function post(url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-estimo-sim': '1' },
      body: JSON.stringify(body || {})
    }).then(function (res) {
      return res.json().then(function (json) {
        if (!res.ok) {
          throw new Error(json && json.message ? json.message : 'HTTP ' + res.status);
        }
        return json;
      });
    });
  }

  function sessionToken() {
    if (session && Date.parse(session.expiresAt) - Date.now() > 60000) {
      return Promise.resolve(session.token);
    }
    return post('/__sim/bridge/session', {}).then(function (s) {
      session = s;
      return s.token;
    });
  }

  function locationOf(frame) {
    return {
      moduleKey: frame.dataset.moduleKey,
      projectKey: frame.dataset.projectKey || null,
      issueKey: frame.dataset.issueKey || null
    };
  }

  function headersObject(headers) {
    var result = {};
    headers.forEach(function (value, key) { result[key] = value; });
    return result;
  }

  function requestHeaders(init) {
    var headers = new Headers();
    ((init && init.headers) || []).forEach(function (pair) { headers.append(pair[0], pair[1]); });
    return headers;
  }

  function toFetchResponse(res) {
    return res.text().then(function (text) {
      return { body: text, headers: headersObject(res.headers), status: res.status, statusText: res.statusText };
    });
  }

  function showFlag(payload) {
    var flags = document.getElementById('sim-flags');
    if (!flags) {
      return true;
    }
    var flag = document.createElement('div');
    flag.className = 'sim-flag sim-flag-' + (payload.type || 'info');
    flag.dataset.flagId = payload.id;
    var title = document.createElement('strong');
    title.textContent = payload.title || '';
    var text = document.createElement('p');
    text.textContent = payload.description || '';
    flag.appendChild(title);
    flag.appendChild(text);
    flags.appendChild(flag);
    return true;
  }

  var handlers = {
    getContext: function (frame) {
      return post('/__sim/bridge/context', { location: locationOf(frame) });
    },
    fetchProduct: function (frame, p) {
      if (!p || p.product !== 'jira') {
        return Promise.reject(new Error('The simulator hosts Jira only, not ' + (p && p.product)));
      }
      if (typeof p.restPath !== 'string' || p.restPath.charAt(0) !== '/' || p.restPath.charAt(1) === '/') {
        return Promise.reject(new Error('requestJira needs a path that starts with a single /'));
      }
      var init = p.fetchRequestInit || {};
      var method = (init.method || 'GET').toUpperCase();
      var headers = requestHeaders(init);
      return sessionToken().then(function (token) {
        headers.set('authorization', 'Bearer ' + token);
        return fetch(p.restPath, {
          method: method,
          headers: headers,
          body: method === 'GET' || method === 'HEAD' ? undefined : init.body,
          credentials: 'omit'
        });
      }).then(toFetchResponse);
    },
    invoke: function (frame, p) {
      if (p && p.invokeType === 'ui-remote-fetch') {
        return post('/__sim/bridge/invoke', {
          location: locationOf(frame),
          path: p.path,
          method: p.method,
          headers: p.headers || {},
          body: p.body === undefined ? null : p.body
        });
      }
      return Promise.reject(new Error('invoke(' + (p && p.functionKey) + '): Forge functions are not simulated; Estimo uses a remote (invokeRemote)'));
    },
    fetchRemote: function (frame, p) {
      var init = (p && p.fetchRequestInit) || {};
      var method = (init.method || 'GET').toUpperCase();
      return post('/__sim/bridge/remote-token', { location: locationOf(frame), remoteKey: p && p.remoteKey }).then(function (grant) {
        if (grant.relay) {
          // Simulator:Remote:RelayDirectCalls — the simulator makes the call (its certificate
          // rules, a fresh FIT, the same CORS checks) and answers in the bridge's shape.
          var pairs = [];
          requestHeaders(init).forEach(function (value, key) { pairs.push([key, value]); });
          return post('/__sim/bridge/relay', {
            location: locationOf(frame),
            remoteKey: p && p.remoteKey,
            path: init.path || '/',
            method: method,
            headers: pairs,
            body: method === 'GET' || method === 'HEAD' || init.body === undefined || init.body === null ? null : String(init.body)
          });
        }
        var headers = requestHeaders(init);
        headers.set('authorization', 'Bearer ' + grant.token);
        return fetch(grant.baseUrl + (init.path || '/'), {
          method: method,
          headers: headers,
          body: method === 'GET' || method === 'HEAD' ? undefined : init.body,
          credentials: 'omit',
          mode: 'cors'
        }).then(toFetchResponse);
      });
    },
    enableTheming: function () { return Promise.resolve(undefined); },
    navigate: function (frame, p) {
      var url = p && p.url;
      if (!url) {
        return Promise.reject(new Error('The simulator navigates to URLs only, not to NavigationLocation targets'));
      }
      if (p.type === 'new-tab') {
        window.open(url, '_blank', 'noopener');
      } else {
        window.location.assign(url);
      }
      return Promise.resolve(undefined);
    },
    reload: function () { window.location.reload(); return Promise.resolve(undefined); },
    refresh: function (frame) { frame.contentWindow.location.reload(); return Promise.resolve(true); },
    changeWindowTitle: function (frame, title) { document.title = String(title); return Promise.resolve(undefined); },
    showFlag: function (frame, p) { return Promise.resolve(showFlag(p || {})); },
    closeFlag: function (frame, p) {
      var el = document.querySelector('[data-flag-id="' + CSS.escape(String(p && p.id)) + '"]');
      if (el) {
        el.remove();
      }
      return Promise.resolve(true);
    },
    getUrl: function (frame, p) {
      return post('/__sim/bridge/url', p || {}).then(function (answer) { return answer.url; });
    },
    // The app's history lives in the host URL after the module route (project pages only).
    historyLocation: function (frame) {
      return Promise.resolve(frame.dataset.historyBase ? (frame.dataset.appPath || '/') : '/');
    },
    historyChanged: function (frame, p) {
      var base = frame.dataset.historyBase;
      if (base && p) {
        var path = (p.pathname || '/') + (p.search || '') + (p.hash || '');
        var url = base + (path === '/' ? '' : (path.charAt(0) === '/' ? path : '/' + path));
        if (p.action === 'REPLACE') {
          window.history.replaceState(null, '', url);
        } else {
          window.history.pushState(null, '', url);
        }
        keepReturnUrl();
      }
      return Promise.resolve(undefined);
    },
    historyGo: function (frame, p) {
      window.history.go((p && p.delta) || 0);
      return Promise.resolve(undefined);
    },
    emit: function (frame, p) {
      frames.forEach(function (f) {
        f.contentWindow.postMessage({ type: 'estimo-sim:event', event: p.event, payload: p.payload }, window.location.origin);
      });
      return Promise.resolve(undefined);
    },
    emitPublic: function (frame, p) {
      frames.forEach(function (f) {
        f.contentWindow.postMessage({ type: 'estimo-sim:event', event: 'public:' + p.event, payload: p.payload }, window.location.origin);
      });
      return Promise.resolve(undefined);
    },
    emitReadyEvent: function () { return Promise.resolve(undefined); },
    getFrameId: function (frame) { return Promise.resolve(frame.dataset.moduleKey); },
    submit: function () { return Promise.resolve(false); },
    close: function () { return Promise.resolve(false); },
    open: function () { return Promise.resolve(false); },
    onClose: function () { return Promise.resolve(undefined); },
    getCookieConsentPreferences: function () { return Promise.resolve({ strictlyNecessary: true, functional: false, analytics: false, marketing: false }); },
    initFeatureFlags: function () { return Promise.resolve({}); },
    isRovoEnabled: function () { return Promise.resolve(false); }
  };

  // Switching user reloads the page at the picker's returnUrl: keep it on the app's current path.
  function keepReturnUrl() {
    var returnUrl = picker && picker.form && picker.form.elements.namedItem('returnUrl');
    if (returnUrl) {
      returnUrl.value = window.location.pathname + window.location.search;
    }
  }

  // Back/forward on the host page: tell the project page app its new path.
  window.addEventListener('popstate', function () {
    keepReturnUrl();
    frames.forEach(function (f) {
      var base = f.dataset.historyBase;
      if (base && window.location.pathname.indexOf(base) === 0) {
        var path = window.location.pathname.slice(base.length) || '/';
        f.contentWindow.postMessage({ type: 'estimo-sim:history', path: path + window.location.search + window.location.hash }, window.location.origin);
      }
    });
  });

  window.addEventListener('message', function (event) {
    var data = event.data;
    if (event.origin !== window.location.origin || !data || (data.type !== 'estimo-sim:bridge-call' && data.type !== 'estimo-sim:hello')) {
      return;
    }
    var frame = frames.find(function (f) { return f.contentWindow === event.source; });
    if (!frame) {
      return;
    }
    if (data.type === 'estimo-sim:hello') {
      event.source.postMessage({ type: 'estimo-sim:host-ready' }, window.location.origin);
      return;
    }
    var handler = handlers[data.name];
    var result = handler
      ? Promise.resolve().then(function () { return handler(frame, data.payload); })
      : Promise.reject(new Error('Bridge call "' + data.name + '" is not supported by the Estimo simulator'));
    result.then(function (value) {
      event.source.postMessage({ type: 'estimo-sim:bridge-result', id: data.id, ok: true, value: value }, window.location.origin);
    }, function (error) {
      event.source.postMessage({ type: 'estimo-sim:bridge-result', id: data.id, ok: false, error: String(error && error.message || error) }, window.location.origin);
    });
  });

  // A frame that loaded before this script said hello to nobody: tell every frame we listen now.
  frames.forEach(function (f) {
    if (f.contentWindow) {
      f.contentWindow.postMessage({ type: 'estimo-sim:host-ready' }, window.location.origin);
    }
  });
})();
