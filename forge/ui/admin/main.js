// The Forge admin pages (jira:adminPage tc-config and tc-admin): the service's admin UI, with every
// API call through invokeRemote.
import { useTransport } from '../../../web/static/api.js';
import { boot } from '../../../web/static/app.js';
import { invokeRemoteTransport, openLinksThroughForge } from '../transport.js';

useTransport(invokeRemoteTransport);
openLinksThroughForge();
boot();
