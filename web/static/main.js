// The entry of the service's own pages (/admin and the Connect pages in Jira). The Forge Custom UI
// bundle has its own entry (forge/ui/admin/main.js) that installs Forge's transport first.
import { boot } from './app.js';

boot();
