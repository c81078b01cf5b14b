import { searchScenario } from './catalog.events-list.ts';

export default searchScenario('catalog.search-azart', 'азарт');
