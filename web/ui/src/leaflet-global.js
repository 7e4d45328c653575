// Leaflet's plugins (markercluster, vectorgrid) extend the global L, so L must
// exist on window before they are evaluated: import this module first.
import L from 'leaflet';

window.L = L;
export default L;
